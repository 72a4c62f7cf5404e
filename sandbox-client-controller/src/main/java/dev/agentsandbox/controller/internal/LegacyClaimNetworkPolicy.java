package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * C3: removes the per-claim NetworkPolicy {@code <claim>-network-policy} that controllers before
 * v0.4.0 created, if the claim controls it. Policies are per template now (T3).
 */
final class LegacyClaimNetworkPolicy {
  private static final Logger log = LoggerFactory.getLogger(LegacyClaimNetworkPolicy.class);

  private LegacyClaimNetworkPolicy() {
  }

  static String name(SandboxClaim claim) {
    return claim.getMetadata().getName() + "-network-policy";
  }

  /**
   * Deletes the legacy policy when the claim controls it; failures are logged, never thrown.
   * {@code cache} holds the namespace's policies; a policy that comes under the claim's control
   * later reaches the claim as an event of that cache, so the cache being behind delays the
   * deletion to that event rather than missing it.
   */
  static void deleteIfControlled(KubernetesClient client, SandboxClaim claim,
      Function<ResourceID, Optional<NetworkPolicy>> cache) {
    String namespace = claim.getMetadata().getNamespace();
    String name = name(claim);
    try {
      NetworkPolicy policy = cache.apply(new ResourceID(name, namespace)).orElse(null);
      if (policy != null && ControllerReferences.isControlledBy(policy, claim)) {
        client.network().v1().networkPolicies().inNamespace(namespace).withName(name).delete();
        log.info("Deleted legacy NetworkPolicy {}/{}", namespace, name);
      }
    } catch (KubernetesClientException e) {
      log.warn("Cannot clean up legacy NetworkPolicy {}/{}: {}", namespace, name, e.getMessage());
    }
  }
}
