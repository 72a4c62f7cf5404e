package dev.agentsandbox.model.v1alpha1;

import java.util.ArrayList;
import java.util.List;

/**
 * The desired state a SandboxClaim has in both API versions; {@code v1alpha1} adds the template
 * reference and warm pool policy, {@code v1beta1} the warm pool reference and volume claim
 * templates.
 *
 * @since 0.1.0
 */
public abstract class BaseSandboxClaimSpec {
  private Lifecycle lifecycle;
  private AdditionalPodMetadata additionalPodMetadata;
  private List<ClaimEnvVar> env;

  /** For subclasses. */
  protected BaseSandboxClaimSpec() {
  }

  /** When and how the claim expires; null means never. Controllers from v0.1.1. */
  public Lifecycle getLifecycle() {
    return lifecycle;
  }

  /** Sets {@link #getLifecycle()}. */
  public void setLifecycle(Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  /** Extra labels and annotations for the sandbox's pod, or null. Controllers from v0.4. */
  public AdditionalPodMetadata getAdditionalPodMetadata() {
    return additionalPodMetadata;
  }

  /** Sets {@link #getAdditionalPodMetadata()}. */
  public void setAdditionalPodMetadata(AdditionalPodMetadata additionalPodMetadata) {
    this.additionalPodMetadata = additionalPodMetadata;
  }

  /**
   * Environment variables to inject into the sandbox, if the template's
   * {@code envVarsInjectionPolicy} allows it; the reference v1alpha1 controller refuses them unless
   * the claim's warm pool policy is {@code none}. Controllers from v0.4.
   */
  public List<ClaimEnvVar> getEnv() {
    return env;
  }

  /** Sets {@link #getEnv()}; the list is copied. */
  public void setEnv(List<ClaimEnvVar> env) {
    this.env = env == null ? null : new ArrayList<>(env);
  }
}
