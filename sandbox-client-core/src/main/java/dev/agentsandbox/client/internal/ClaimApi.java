package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ApiVersion;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.WarmPool;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata;
import dev.agentsandbox.model.v1alpha1.ClaimEnvVar;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.model.v1beta1.WarmPoolRef;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * SandboxClaims at one API version: how a request becomes a claim, and the typed operations on
 * them. The status has the same shape in every version, so readiness is judged alike.
 *
 * @param <T> the claim model of the version
 */
public abstract sealed class ClaimApi<T extends CustomResource<?, SandboxClaimStatus>>
    permits ClaimApi.V1alpha1, ClaimApi.V1beta1 {
  private final KubernetesClient kubernetes;
  private final Class<T> type;
  private final ApiVersion version;

  private ClaimApi(KubernetesClient kubernetes, Class<T> type, ApiVersion version) {
    this.kubernetes = kubernetes;
    this.type = type;
    this.version = version;
  }

  /** The version these claims are created and read with. */
  public ApiVersion version() {
    return version;
  }

  /** The claim for a request; options were checked for this version already. */
  public abstract T newClaim(ClaimRequest request);

  /** The template a claim names, if any. */
  public abstract Optional<String> templateName(T claim);

  /** The warm pool a claim names, if any. */
  public abstract Optional<String> warmPoolName(T claim);

  /** The claims of a namespace. */
  public NonNamespaceOperation<T, KubernetesResourceList<T>, Resource<T>> in(String namespace) {
    return kubernetes.resources(type).inNamespace(namespace);
  }

  /** A watcher for one claim's readiness. */
  public SandboxClaimWatcher<T> watcher(T claim) {
    return new SandboxClaimWatcher<>(this, claim);
  }

  /** The listed claims with all of {@code labels}. */
  public List<T> list(String namespace, Map<String, String> labels) {
    return in(namespace).withLabels(labels).list().getItems();
  }

  /**
   * Whether {@code stored} is the claim {@code sent} describes (a create re-sent after a lost
   * answer finds its own claim): same request time, creator and template or pool.
   */
  public boolean sameRequest(T stored, T sent) {
    return Objects.equals(annotation(stored, SandboxKeys.CLIENT_FIRST_REQUESTED_AT),
        annotation(sent, SandboxKeys.CLIENT_FIRST_REQUESTED_AT))
        && Objects.equals(label(stored, SandboxKeys.CREATED_BY), label(sent, SandboxKeys.CREATED_BY))
        && stored.getSpec() != null
        && templateName(stored).equals(templateName(sent))
        && warmPoolName(stored).equals(warmPoolName(sent));
  }

  /** Metadata every claim of this client carries. */
  static ObjectMeta metadata(ClaimRequest request) {
    Map<String, String> labels = new LinkedHashMap<>(request.options().labels());
    labels.put(SandboxKeys.CREATED_BY, ClaimNames.CLIENT_ID);
    ObjectMetaBuilder meta = new ObjectMetaBuilder()
        .withName(request.name())
        .withNamespace(request.namespace())
        .withLabels(labels)
        .addToAnnotations(SandboxKeys.CLIENT_FIRST_REQUESTED_AT,
            ClaimNames.rfc3339(request.requestedAt()));
    if (request.traceContext() != null) {
      meta.addToAnnotations(SandboxKeys.TRACE_CONTEXT, request.traceContext());
    }
    return meta.build();
  }

  /** A new claim of {@code request} with {@code spec}. */
  static <S, C extends CustomResource<S, ?>> C claim(C claim, ClaimRequest request, S spec) {
    claim.setMetadata(metadata(request));
    claim.setSpec(spec);
    return claim;
  }

  static Lifecycle lifecycle(ClaimRequest request) {
    return request.options().ttl()
        .map(ttl -> new Lifecycle(ClaimNames.rfc3339(request.requestedAt().plus(ttl)),
            Lifecycle.POLICY_DELETE, null))
        .orElse(null);
  }

  static AdditionalPodMetadata podMetadata(SandboxOptions options) {
    if (options.podLabels().isEmpty() && options.podAnnotations().isEmpty()) {
      return null;
    }
    return new AdditionalPodMetadata(options.podLabels().isEmpty() ? null : options.podLabels(),
        options.podAnnotations().isEmpty() ? null : options.podAnnotations());
  }

  static List<ClaimEnvVar> env(SandboxOptions options) {
    if (options.env().isEmpty()) {
      return null;
    }
    return options.env().stream()
        .map(e -> new ClaimEnvVar(e.name(), e.value(), e.containerName()))
        .toList();
  }

  private static String annotation(CustomResource<?, ?> claim, String key) {
    Map<String, String> annotations = claim.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  private static String label(CustomResource<?, ?> claim, String key) {
    Map<String, String> labels = claim.getMetadata().getLabels();
    return labels == null ? null : labels.get(key);
  }

  /** {@code v1alpha1}: a template reference and an optional warm pool policy. */
  public static final class V1alpha1 extends ClaimApi<dev.agentsandbox.model.v1alpha1.SandboxClaim> {
    public V1alpha1(KubernetesClient kubernetes) {
      super(kubernetes, dev.agentsandbox.model.v1alpha1.SandboxClaim.class, ApiVersion.V1ALPHA1);
    }

    @Override
    public dev.agentsandbox.model.v1alpha1.SandboxClaim newClaim(ClaimRequest request) {
      SandboxOptions options = request.options();
      return claim(new dev.agentsandbox.model.v1alpha1.SandboxClaim(), request,
          new SandboxClaimSpec(new TemplateRef(request.templateName()), warmpool(options), lifecycle(request),
              podMetadata(options), env(options)));
    }

    private static String warmpool(SandboxOptions options) {
      Optional<WarmPool> pool = options.warmPool();
      if (pool.isEmpty()) {
        // The controller refuses environment variables for adopted sandboxes.
        return options.env().isEmpty() ? null : SandboxClaimSpec.WARMPOOL_NONE;
      }
      return switch (pool.get().policy()) {
        case NONE -> SandboxClaimSpec.WARMPOOL_NONE;
        case ANY -> SandboxClaimSpec.WARMPOOL_DEFAULT;
        case NAMED -> pool.get().name().orElseThrow();
      };
    }

    @Override
    public Optional<String> templateName(dev.agentsandbox.model.v1alpha1.SandboxClaim claim) {
      return Optional.ofNullable(claim.getSpec()).map(SandboxClaimSpec::sandboxTemplateRef)
          .map(TemplateRef::name);
    }

    @Override
    public Optional<String> warmPoolName(dev.agentsandbox.model.v1alpha1.SandboxClaim claim) {
      return Optional.ofNullable(claim.getSpec()).map(SandboxClaimSpec::warmpool)
          .filter(p -> !p.equals(SandboxClaimSpec.WARMPOOL_NONE)
              && !p.equals(SandboxClaimSpec.WARMPOOL_DEFAULT));
    }
  }

  /** {@code v1beta1}: a warm pool reference and optional volume claim templates. */
  public static final class V1beta1 extends ClaimApi<dev.agentsandbox.model.v1beta1.SandboxClaim> {
    public V1beta1(KubernetesClient kubernetes) {
      super(kubernetes, dev.agentsandbox.model.v1beta1.SandboxClaim.class, ApiVersion.V1BETA1);
    }

    @Override
    public dev.agentsandbox.model.v1beta1.SandboxClaim newClaim(ClaimRequest request) {
      SandboxOptions options = request.options();
      List<PersistentVolumeClaimTemplate> volumes = options.volumeClaimTemplates();
      return claim(new dev.agentsandbox.model.v1beta1.SandboxClaim(), request,
          new dev.agentsandbox.model.v1beta1.SandboxClaimSpec(new WarmPoolRef(request.warmPoolName()),
              volumes.isEmpty() ? null : volumes, lifecycle(request), podMetadata(options), env(options)));
    }

    @Override
    public Optional<String> templateName(dev.agentsandbox.model.v1beta1.SandboxClaim claim) {
      return Optional.empty();
    }

    @Override
    public Optional<String> warmPoolName(dev.agentsandbox.model.v1beta1.SandboxClaim claim) {
      return Optional.ofNullable(claim.getSpec())
          .map(dev.agentsandbox.model.v1beta1.SandboxClaimSpec::warmPoolRef)
          .map(WarmPoolRef::name);
    }
  }
}
