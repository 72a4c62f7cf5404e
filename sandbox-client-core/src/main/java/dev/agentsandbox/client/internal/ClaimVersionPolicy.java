package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ApiVersion;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.WarmPool;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;

/**
 * Which API version claims and Sandboxes are created and read with (PROTOCOL section 2): the
 * fleet's setting, or for {@link ApiVersion#AUTO} what the cluster serves. Thread-safe; the only
 * calls it makes are the discovery calls of {@link ApiDiscovery}.
 */
public final class ClaimVersionPolicy {
  private final ApiVersion apiVersion;
  private final ApiDiscovery discovery;
  private final ClaimApi.V1alpha1 v1alpha1;
  private final ClaimApi.V1beta1 v1beta1;

  /** @param apiVersion the claim version to use, or AUTO to ask the cluster */
  public ClaimVersionPolicy(KubernetesClient kubernetes, ApiVersion apiVersion) {
    this.apiVersion = apiVersion;
    this.discovery = new ApiDiscovery(kubernetes);
    this.v1alpha1 = new ClaimApi.V1alpha1(kubernetes);
    this.v1beta1 = new ClaimApi.V1beta1(kubernetes);
  }

  /**
   * Whether a claim for {@code options} would be a v1beta1 one. May block for one discovery
   * call.
   */
  public boolean createsV1beta1(SandboxOptions options) {
    return switch (apiVersion) {
      case V1ALPHA1 -> false;
      case V1BETA1 -> true;
      case AUTO -> options.warmPool().flatMap(WarmPool::name).isPresent()
          && discovery.claimsV1beta1();
    };
  }

  /**
   * The claim version to create a claim for {@code options} with; checks that the options fit
   * it. May block for one discovery call.
   *
   * @throws IllegalArgumentException if the options do not fit the version
   */
  public ClaimApi<?> forCreate(SandboxOptions options) {
    Optional<WarmPool> pool = options.warmPool();
    Optional<String> poolName = pool.flatMap(WarmPool::name);
    if (createsV1beta1(options)) {
      if (poolName.isEmpty()) {
        throw new IllegalArgumentException("v1beta1 claims take their sandbox from a named warm "
            + "pool: set warmPool(WarmPool.named(...)), or use ApiVersion.AUTO or V1ALPHA1 for "
            + (pool.isPresent() ? pool.get() : "a template alone"));
      }
      return v1beta1;
    }
    String why = apiVersion == ApiVersion.V1ALPHA1 ? "the fleet is set to ApiVersion.V1ALPHA1"
        : poolName.isEmpty() ? "v1beta1 claims need a named warm pool"
        : "this cluster does not serve " + ApiDiscovery.CLAIMS_V1BETA1 + " (agent-sandbox before v0.5)";
    if (options.templateName().isEmpty()) {
      throw new IllegalArgumentException("templateName is required for a v1alpha1 claim (" + why
          + ")");
    }
    if (!options.volumeClaimTemplates().isEmpty()) {
      throw new IllegalArgumentException("volume claim templates need a v1beta1 claim, which "
          + "names a warm pool and needs agent-sandbox v0.5 or later; here a v1alpha1 claim "
          + "would be made (" + why + ")");
    }
    if (poolName.isPresent() && (poolName.get().equals(SandboxClaimSpec.WARMPOOL_NONE)
        || poolName.get().equals(SandboxClaimSpec.WARMPOOL_DEFAULT))) {
      throw new IllegalArgumentException("warm pool '" + poolName.get() + "' cannot be named in "
          + "a v1alpha1 claim, where it is a policy: use WarmPool.none() or WarmPool.any(), or "
          + "rename the pool");
    }
    if (!options.env().isEmpty() && pool.isPresent()
        && pool.get().policy() != WarmPool.Policy.NONE) {
      throw new IllegalArgumentException("environment variables need WarmPool.none() on a "
          + "v1alpha1 claim: the controller refuses them for sandboxes adopted from a warm pool");
    }
    return v1alpha1;
  }

  /**
   * The versions existing claims are looked up at, preferred first. May block for one
   * discovery call.
   */
  public List<ClaimApi<?>> forRead() {
    return switch (apiVersion) {
      case V1ALPHA1 -> List.of(v1alpha1);
      case V1BETA1 -> List.of(v1beta1);
      // A real API server shows every claim at both versions; a server without conversion
      // (or a claim made before v0.5) only at the one it was written with.
      case AUTO -> discovery.claimsV1beta1() ? List.of(v1beta1, v1alpha1) : List.of(v1alpha1);
    };
  }

  /** Whether Sandboxes are read at v1beta1. May block for one discovery call. */
  public boolean sandboxesV1beta1() {
    return switch (apiVersion) {
      case V1ALPHA1 -> false;
      case V1BETA1 -> true;
      case AUTO -> discovery.sandboxesV1beta1();
    };
  }
}
