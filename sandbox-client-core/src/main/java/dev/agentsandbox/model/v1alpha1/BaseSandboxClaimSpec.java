package dev.agentsandbox.model.v1alpha1;

import java.util.List;

/**
 * The desired state a SandboxClaim has in both API versions; {@code v1alpha1} adds the template
 * reference and warm pool policy, {@code v1beta1} the warm pool reference and volume claim
 * templates.
 *
 * @since 0.1.0
 */
public interface BaseSandboxClaimSpec {
  /**
   * When and how the claim expires; null means never. Controllers from v0.1.1.
   *
   * @return the lifecycle, or null
   */
  Lifecycle lifecycle();

  /**
   * Extra labels and annotations for the sandbox's pod, or null. Controllers from v0.4.
   *
   * @return the additional pod metadata, or null
   */
  AdditionalPodMetadata additionalPodMetadata();

  /**
   * Environment variables to inject into the sandbox, if the template's
   * {@code envVarsInjectionPolicy} allows it; the reference v1alpha1 controller refuses them unless
   * the claim's warm pool policy is {@code none}. Controllers from v0.4.
   *
   * @return the variables, or null
   */
  List<ClaimEnvVar> env();
}
