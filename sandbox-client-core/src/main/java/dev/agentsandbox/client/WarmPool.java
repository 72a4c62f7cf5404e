package dev.agentsandbox.client;

import dev.agentsandbox.model.internal.KubernetesNames;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a sandbox may come from: a fresh pod, any warm pool of its template, or one named
 * SandboxWarmPool. Adopting a pre-started sandbox from a warm pool makes creation much faster;
 * the adopted sandbox keeps its pool name ({@code <pool>-xxxxx}), which is why
 * {@link Sandbox#sandboxName()} can differ from the claim name.
 *
 * <pre>{@code
 * WarmPool.none();            // always a fresh sandbox (v1alpha1 warmpool: none)
 * WarmPool.any();             // any pool of the template (v1alpha1 warmpool: default)
 * WarmPool.named("fast");     // only that pool (v1alpha1 warmpool: fast, v1beta1 warmPoolRef)
 * }</pre>
 *
 * @since 0.1.0
 */
public final class WarmPool {
  private static final WarmPool NONE = new WarmPool(Policy.NONE, null);
  private static final WarmPool ANY = new WarmPool(Policy.ANY, null);

  private final Policy policy;
  private final String name;

  private WarmPool(Policy policy, String name) {
    this.policy = policy;
    this.name = name;
  }

  /**
   * Never adopt: the controller always starts a fresh sandbox from the template. Required for
   * environment variables on v1alpha1 claims.
   *
   * @return the policy
   */
  public static WarmPool none() {
    return NONE;
  }

  /**
   * Adopt a pre-started sandbox (ready or still starting) from any warm pool of the same template
   * in the namespace, else start a fresh one. What the controller does when no policy is given.
   *
   * @return the policy
   */
  public static WarmPool any() {
    return ANY;
  }

  /**
   * Adopt only from the named SandboxWarmPool. If it does not exist, creation fails with
   * {@link WarmPoolNotFoundException}.
   *
   * @param poolName a DNS-1123 subdomain; on v1alpha1 claims not {@code none} or
   *     {@code default}, which are policies there
   * @return the policy
   * @throws IllegalArgumentException if the name is invalid
   */
  public static WarmPool named(String poolName) {
    Objects.requireNonNull(poolName, "poolName");
    KubernetesNames.requireSubdomain("warm pool name", poolName);
    return new WarmPool(Policy.NAMED, poolName);
  }

  /**
   * The kind of policy.
   *
   * @return none, any or named
   */
  public Policy policy() {
    return policy;
  }

  /**
   * The pool's name.
   *
   * @return the name for {@link Policy#NAMED}, else empty
   */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof WarmPool w && policy == w.policy && Objects.equals(name, w.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policy, name);
  }

  @Override
  public String toString() {
    return policy == Policy.NAMED ? "WarmPool.named(" + name + ")"
        : "WarmPool." + (policy == Policy.NONE ? "none()" : "any()");
  }

  /**
   * The kinds of {@link WarmPool}.
   *
   * @since 0.1.0
   */
  public enum Policy {
    /** A fresh sandbox every time. */
    NONE,
    /** Any pool of the template. */
    ANY,
    /** One named pool. */
    NAMED
  }
}
