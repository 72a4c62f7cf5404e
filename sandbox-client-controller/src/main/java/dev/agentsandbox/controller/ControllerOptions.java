package dev.agentsandbox.controller;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of a {@link SandboxController}.
 *
 * @param clusterDomain cluster DNS domain used in {@code status.serviceFQDN} (default
 *     {@code cluster.local})
 * @param workers reconcile worker threads shared by all reconcilers, at least 1 (default 4)
 * @param namespaces namespaces to watch; empty means all namespaces (the default)
 * @param cacheSyncTimeout how long {@link SandboxController#start} waits for the informers to sync
 *     (default 2 minutes)
 * @param extensions whether the SandboxClaim, SandboxTemplate and SandboxWarmPool reconcilers run
 *     besides the Sandbox one (default true; the reference controller's {@code --extensions})
 * @param leaderElection Lease-based leader election; empty (the default) means this controller
 *     always reconciles
 * @param meterRegistry where reconcile counts and durations and the agent-sandbox metrics are
 *     recorded; empty (the default) records nothing
 * @param terminationTimeout how long {@link SandboxController#close} waits for running reconciles
 *     to finish (default 10 seconds)
 * @since 0.1.0
 */
public record ControllerOptions(String clusterDomain, int workers, Set<String> namespaces, Duration cacheSyncTimeout,
    boolean extensions, Optional<LeaderElection> leaderElection, Optional<MeterRegistry> meterRegistry,
    Duration terminationTimeout) {
  /** Default cluster DNS domain. */
  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";
  /** Default number of reconcile workers. */
  public static final int DEFAULT_WORKERS = 4;
  /** Default informer sync timeout. */
  public static final Duration DEFAULT_CACHE_SYNC_TIMEOUT = Duration.ofMinutes(2);
  /** Default wait for running reconciles on close. */
  public static final Duration DEFAULT_TERMINATION_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Validates and copies the settings.
   *
   * @throws IllegalArgumentException if {@code workers} is below 1, the domain is blank, the sync
   *     timeout is not positive or the termination timeout is negative
   * @throws NullPointerException if any reference is null
   */
  public ControllerOptions {
    Objects.requireNonNull(clusterDomain, "clusterDomain");
    Objects.requireNonNull(namespaces, "namespaces");
    Objects.requireNonNull(leaderElection, "leaderElection");
    Objects.requireNonNull(meterRegistry, "meterRegistry");
    Durations.requirePositive(cacheSyncTimeout, "cacheSyncTimeout");
    Durations.requireNotNegative(terminationTimeout, "terminationTimeout");
    if (clusterDomain.isBlank()) {
      throw new IllegalArgumentException("clusterDomain must not be blank");
    }
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    namespaces = Set.copyOf(namespaces);
  }

  /**
   * The defaults: {@code cluster.local}, 4 workers, all namespaces, 2 minute sync timeout, all
   * reconcilers, no leader election, no metrics, 10 second termination timeout.
   */
  public static ControllerOptions defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder()
        .clusterDomain(clusterDomain)
        .workers(workers)
        .namespaces(namespaces)
        .cacheSyncTimeout(cacheSyncTimeout)
        .extensions(extensions)
        .leaderElection(leaderElection.orElse(null))
        .meterRegistry(meterRegistry.orElse(null))
        .terminationTimeout(terminationTimeout);
  }

  /** Builds {@link ControllerOptions}; not thread safe. */
  public static final class Builder {
    private String clusterDomain = DEFAULT_CLUSTER_DOMAIN;
    private int workers = DEFAULT_WORKERS;
    private Set<String> namespaces = Set.of();
    private Duration cacheSyncTimeout = DEFAULT_CACHE_SYNC_TIMEOUT;
    private boolean extensions = true;
    private LeaderElection leaderElection;
    private MeterRegistry meterRegistry;
    private Duration terminationTimeout = DEFAULT_TERMINATION_TIMEOUT;

    private Builder() {
    }

    /** Sets the cluster DNS domain. */
    public Builder clusterDomain(String clusterDomain) {
      this.clusterDomain = clusterDomain;
      return this;
    }

    /** Sets the number of reconcile worker threads. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** Sets the namespaces to watch; empty means all. */
    public Builder namespaces(Set<String> namespaces) {
      this.namespaces = namespaces;
      return this;
    }

    /** Sets how long start waits for informers to sync. */
    public Builder cacheSyncTimeout(Duration cacheSyncTimeout) {
      this.cacheSyncTimeout = cacheSyncTimeout;
      return this;
    }

    /** Sets whether the claim, template and warm-pool reconcilers run (true) or only the Sandbox one. */
    public Builder extensions(boolean extensions) {
      this.extensions = extensions;
      return this;
    }

    /** Turns on leader election with these settings; null turns it off. */
    public Builder leaderElection(LeaderElection leaderElection) {
      this.leaderElection = leaderElection;
      return this;
    }

    /** Records metrics in this registry; null records none. The registry stays the caller's. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /** Sets how long close waits for running reconciles. */
    public Builder terminationTimeout(Duration terminationTimeout) {
      this.terminationTimeout = terminationTimeout;
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public ControllerOptions build() {
      return new ControllerOptions(clusterDomain, workers, namespaces, cacheSyncTimeout, extensions,
          Optional.ofNullable(leaderElection), Optional.ofNullable(meterRegistry), terminationTimeout);
    }
  }
}
