package dev.agentsandbox.controller.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** Writes shared by the reconcilers: status only when changed, and readable API errors. */
final class KubernetesWrites {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private KubernetesWrites() {
  }

  /** Whether two status objects serialize to the same JSON. */
  static boolean sameJson(Object a, Object b) {
    return Objects.equals(MAPPER.valueToTree(a), MAPPER.valueToTree(b));
  }

  /**
   * Replaces the primary's status through the /status subresource with optimistic locking, and
   * caches the result so the next reconcile sees it even before the watch delivers it.
   */
  static <P extends HasMetadata> P updateStatus(P primary, Context<P> context, UnaryOperator<P> setStatus) {
    return PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(primary, context, setStatus);
  }

  /**
   * Sends a JSON merge patch to the named object and returns the object as written, in one
   * request. (fabric8's {@code withName(name).patch(context, String)} reads the object from the
   * server first only to learn its name and namespace; a name-only stand-in spares that read.)
   */
  static <T extends HasMetadata> T mergePatch(KubernetesClient client, Class<T> type, String namespace, String name,
      String patch) {
    T target;
    try {
      target = type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot instantiate " + type.getName(), e);
    }
    target.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    return client.resources(type).inNamespace(namespace).resource(target)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
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
