package dev.agentsandbox.controller.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.HttpURLConnection;
import java.util.Objects;
import java.util.function.Function;

/** Writes shared by the reconcilers: status only when changed, and readable API errors. */
final class KubernetesWrites {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int STATUS_ATTEMPTS = 5;

  private KubernetesWrites() {
  }

  /** Whether two status objects serialize to the same JSON. */
  static boolean sameJson(Object a, Object b) {
    return Objects.equals(MAPPER.valueToTree(a), MAPPER.valueToTree(b));
  }

  /**
   * Makes {@code status} the primary's status, if it is not already: a JSON merge patch of the
   * /status subresource with only what changed, on condition that the object is still at the
   * resourceVersion it was read at (optimistic locking, as with a replace, but without sending
   * or cloning the whole object). On a conflict the object is read again and the patch computed
   * against it, {@value #STATUS_ATTEMPTS} times at most. The result is cached so the next
   * reconcile starts from it even before the watch delivers it.
   *
   * @return the object as written, or {@code primary} when its status was already {@code status}
   */
  static <P extends HasMetadata, S> P writeStatus(P primary, Context<P> context, Function<P, S> statusOf, S status) {
    KubernetesClient client = context.getClient();
    KubernetesSerialization json = client.getKubernetesSerialization();
    JsonNode desired = json.convertValue(status, JsonNode.class);
    @SuppressWarnings("unchecked")
    Class<P> type = (Class<P>) primary.getClass();
    String namespace = primary.getMetadata().getNamespace();
    String name = primary.getMetadata().getName();
    P basis = primary;
    for (int attempt = 1; ; attempt++) {
      String patch = MergePatches.status(basis.getMetadata().getResourceVersion(),
          json.convertValue(statusOf.apply(basis), JsonNode.class), desired);
      if (patch == null) {
        return basis;
      }
      try {
        P written = client.resources(type).inNamespace(namespace).resource(standIn(type, namespace, name))
            .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        cachePrimary(context, written, basis);
        return written;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == STATUS_ATTEMPTS) {
          throw e;
        }
        P latest = client.resources(type).inNamespace(namespace).withName(name).get();
        if (latest == null) {
          throw new KubernetesClientException(primary.getKind() + " \"" + name + "\" is gone",
              HttpURLConnection.HTTP_NOT_FOUND, null);
        }
        basis = latest;
      }
    }
  }

  /**
   * Sends a JSON merge patch to the named object and returns the object as written, in one
   * request. (fabric8's {@code withName(name).patch(context, String)} reads the object from the
   * server first only to learn its name and namespace; a name-only stand-in spares that read.)
   */
  static <T extends HasMetadata> T mergePatch(KubernetesClient client, Class<T> type, String namespace, String name,
      String patch) {
    return client.resources(type).inNamespace(namespace).resource(standIn(type, namespace, name))
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /** An empty object of {@code type} with only a name and namespace, to address a write. */
  private static <T extends HasMetadata> T standIn(Class<T> type, String namespace, String name) {
    T target;
    try {
      target = type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot instantiate " + type.getName(), e);
    }
    target.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    return target;
  }

  /** Records a metadata write of the primary so the next reconcile starts from it. */
  static <P extends HasMetadata> void cachePrimary(Context<P> context, P updated, P previous) {
    context.eventSourceRetriever()
        .getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, previous);
  }

  /** A failure whose message is the API server's own message for {@code e}. */
  static ReconcileFailure failure(String action, KubernetesClientException e) {
    String detail = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : e.getMessage();
    return new ReconcileFailure(action + ": " + detail, e);
  }
}
