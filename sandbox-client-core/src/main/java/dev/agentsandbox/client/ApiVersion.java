package dev.agentsandbox.client;

/**
 * Which SandboxClaim API version a {@link SandboxFleet} creates claims with.
 *
 * <p>Reference releases up to v0.4 serve only {@code v1alpha1}; v0.5 and later serve
 * {@code v1beta1} as well (and store it), converting between the two.
 *
 * @since 0.1.0
 */
public enum ApiVersion {
  /**
   * Asks the cluster (API discovery, once per fleet): a claim that names a warm pool is created
   * as {@code v1beta1} ({@code spec.warmPoolRef}) when the cluster serves it; every other claim
   * as {@code v1alpha1} ({@code spec.sandboxTemplateRef}, optional {@code spec.warmpool}),
   * which every release understands. The default.
   */
  AUTO,
  /** Always {@code v1alpha1}, without discovery; volume claim templates are then unavailable. */
  V1ALPHA1,
  /** Always {@code v1beta1}; every claim must then name a warm pool. */
  V1BETA1
}
