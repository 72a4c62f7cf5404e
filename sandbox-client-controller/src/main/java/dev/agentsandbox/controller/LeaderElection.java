package dev.agentsandbox.controller;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Leader election through a {@code coordination.k8s.io/v1} Lease: of all controllers configured
 * with the same lease, only the holder reconciles; the others keep their caches warm and take over
 * when the holder stops or fails to renew.
 *
 * @param leaseName name of the Lease (default {@value #DEFAULT_LEASE_NAME}, the reference
 *     controller's, so the two never run side by side)
 * @param namespace namespace of the Lease; empty means the client's namespace, which in a pod is
 *     the pod's own namespace
 * @param identity holder identity written to the Lease; empty means the host name plus a random
 *     suffix
 * @param leaseDuration how long others wait after the last renewal before taking over (default 15 s)
 * @param renewDeadline how long the holder keeps trying to renew before it gives up leading (default
 *     10 s); shorter than {@code leaseDuration}
 * @param retryPeriod interval between attempts to acquire or renew (default 2 s)
 * @since 0.1.0
 */
public record LeaderElection(String leaseName, Optional<String> namespace, Optional<String> identity,
    Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
  /** The Lease name the reference agent-sandbox controller uses. */
  public static final String DEFAULT_LEASE_NAME = "a3317529.agent-sandbox.x-k8s.io";

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException if the name is blank, a duration is not positive, or the
   *     renew deadline is not shorter than the lease duration
   * @throws NullPointerException if any argument is null
   */
  public LeaderElection {
    Objects.requireNonNull(leaseName, "leaseName");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(identity, "identity");
    Durations.requirePositive(leaseDuration, "leaseDuration");
    Durations.requirePositive(renewDeadline, "renewDeadline");
    Durations.requirePositive(retryPeriod, "retryPeriod");
    if (leaseName.isBlank()) {
      throw new IllegalArgumentException("leaseName must not be blank");
    }
    namespace = namespace.filter(s -> !s.isBlank());
    identity = identity.filter(s -> !s.isBlank());
    if (renewDeadline.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException("renewDeadline (" + renewDeadline + ") must be shorter than leaseDuration ("
          + leaseDuration + ")");
    }
  }

  /** The reference lease name in the client's namespace, with the default timings (15 s, 10 s, 2 s). */
  public static LeaderElection defaults() {
    return new LeaderElection(DEFAULT_LEASE_NAME, Optional.empty(), Optional.empty(),
        Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
  }

  /** A copy with the Lease in {@code namespace}; blank means the client's namespace. */
  public LeaderElection withNamespace(String namespace) {
    return new LeaderElection(leaseName, Optional.ofNullable(namespace), identity, leaseDuration, renewDeadline,
        retryPeriod);
  }

  /** A copy that writes {@code identity} as the holder; blank means a generated one. */
  public LeaderElection withIdentity(String identity) {
    return new LeaderElection(leaseName, namespace, Optional.ofNullable(identity), leaseDuration, renewDeadline,
        retryPeriod);
  }

  /**
   * A copy with other timings.
   *
   * @throws IllegalArgumentException as the constructor
   */
  public LeaderElection withTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    return new LeaderElection(leaseName, namespace, identity, leaseDuration, renewDeadline, retryPeriod);
  }
}
