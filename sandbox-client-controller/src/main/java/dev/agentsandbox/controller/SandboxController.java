package dev.agentsandbox.controller;

import dev.agentsandbox.client.internal.ModelKinds;
import dev.agentsandbox.controller.internal.ControllerMetrics;
import dev.agentsandbox.controller.internal.MicrometerControllerMetrics;
import dev.agentsandbox.controller.internal.ReconcileExecutor;
import dev.agentsandbox.controller.internal.ResourceCloner;
import dev.agentsandbox.controller.internal.SandboxClaimReconciler;
import dev.agentsandbox.controller.internal.SandboxReconciler;
import dev.agentsandbox.controller.internal.SandboxTemplateReconciler;
import dev.agentsandbox.controller.internal.WarmPoolReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent-sandbox controller, running in this JVM: it turns SandboxClaims into Sandboxes and
 * Sandboxes into pods (and headless Services), and keeps their status current. It only reacts
 * to watch events; nothing is polled.
 *
 * <pre>{@code
 * try (SandboxController controller = SandboxController.start(client, ControllerOptions.defaults())) {
 *   ... // claims are served until close
 * }
 * }</pre>
 *
 * <p>With {@link ControllerOptions#extensions()} off only Sandboxes are reconciled. With
 * {@link ControllerOptions#leaderElection()} set, only the holder of the Lease reconciles; the
 * others wait with warm caches and take over when it stops.
 *
 * <p>With extensions on (the default) it also serves SandboxClaims (cold and from warm pools,
 * with lifecycle expiry and events), keeps SandboxWarmPools filled and SandboxTemplates'
 * NetworkPolicies current, as the reference controller v0.4.6 does.
 *
 * @since 0.1.0
 */
public final class SandboxController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SandboxController.class);

  private final Operator operator;
  private final Leadership leadership;
  private final ReconcileExecutor executor;
  private final Runnable afterStop;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  /** {@code afterStop} runs once the operator has stopped, before {@link #close()} returns. */
  private SandboxController(Operator operator, Leadership leadership, ReconcileExecutor executor, Runnable afterStop) {
    this.operator = operator;
    this.leadership = leadership;
    this.executor = executor;
    this.afterStop = afterStop;
  }

  /**
   * Starts the reconcilers against the given client. Blocks until every informer has synced its
   * cache (bounded by {@link ControllerOptions#cacheSyncTimeout()}).
   *
   * <p>The client stays owned by the caller: it is used, never closed. The custom resource
   * definitions are assumed to be installed; they are not checked.
   *
   * @param client client of the cluster to control
   * @param options controller settings
   * @return the running controller; close it to stop
   * @throws io.javaoperatorsdk.operator.OperatorException if the informers cannot start or sync
   * @throws IllegalArgumentException if leader election is on without a namespace and the client
   *     has none either
   */
  public static SandboxController start(KubernetesClient client, ControllerOptions options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(options, "options");
    ModelKinds.register(client);
    Optional<Lease> lease = options.leaderElection().map(le -> lease(le, client));
    Leadership leadership = new Leadership(lease.isPresent());
    ReconcileExecutor executor = new ReconcileExecutor(options.workers());
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .checkingCRDAndValidateLocalModel(false)
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withConcurrentReconciliationThreads(options.workers())
          .withExecutorService(executor)
          .withResourceCloner(new ResourceCloner(client.getKubernetesSerialization()))
          .withCacheSyncTimeout(options.cacheSyncTimeout())
          .withReconciliationTerminationTimeout(options.terminationTimeout());
      options.leaderElection().ifPresent(le -> o.withLeaderElectionConfiguration(
          leaderElectionConfiguration(le, lease.orElseThrow(), leadership)));
      options.meterRegistry().ifPresent(r -> o.withMetrics(MicrometerMetrics.withoutPerResourceMetrics(r)));
    });
    ControllerMetrics metrics = options.meterRegistry()
        .<ControllerMetrics>map(r -> new MicrometerControllerMetrics(r, version()))
        .orElse(ControllerMetrics.NOOP);
    operator.register(new SandboxReconciler(options.clusterDomain(), metrics), c -> configure(c, options));
    SandboxClaimReconciler claims = options.extensions() ? new SandboxClaimReconciler(metrics) : null;
    if (claims != null) {
      operator.register(claims, c -> configure(c, options));
      operator.register(new SandboxTemplateReconciler(), c -> configure(c, options));
      operator.register(new WarmPoolReconciler(), c -> configure(c, options));
    }
    try {
      operator.start();
    } catch (RuntimeException e) {
      operator.stop();
      throw e;
    }
    log.info("Sandbox controller started (namespaces: {}, workers: {}, extensions: {}, leader election: {})",
        options.namespaces().isEmpty() ? "all" : options.namespaces(), options.workers(), options.extensions(),
        lease.map(l -> l.getMetadata().getNamespace() + "/" + l.getMetadata().getName() + " as "
            + l.getSpec().getHolderIdentity()).orElse("off"));
    // Claim events are written in the background: the ones queued when the controller stops are
    // written before close() returns, while the client is still open. Then the Lease is released.
    Runnable afterStop = () -> {
      if (claims != null) {
        claims.flushEvents(options.terminationTimeout());
      }
      lease.ifPresent(ours -> release(client, ours));
    };
    SandboxController controller = new SandboxController(operator, leadership, executor, afterStop);
    leadership.controller = controller;
    return controller;
  }

  /** The Lease this controller competes for, with its own identity as the would-be holder. */
  private static Lease lease(LeaderElection le, KubernetesClient client) {
    String namespace = le.namespace().orElseGet(client::getNamespace);
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("leader election needs a namespace for its Lease: set it "
          + "(--leader-election-namespace) or run in a pod, whose namespace is the default");
    }
    String identity = le.identity().orElseGet(() -> hostName() + "_" + UUID.randomUUID());
    Lease lease = new Lease();
    lease.setMetadata(new ObjectMetaBuilder()
        .withNamespace(namespace).withName(le.leaseName()).build());
    lease.setSpec(new LeaseSpecBuilder()
        .withHolderIdentity(identity).build());
    return lease;
  }

  private static LeaderElectionConfiguration leaderElectionConfiguration(LeaderElection le, Lease lease,
      Leadership leadership) {
    // Not exiting the JVM on lost leadership: an embedding application decides that; see Leadership.
    return new LeaderElectionConfiguration(le.leaseName(), lease.getMetadata().getNamespace(),
        le.leaseDuration(), le.renewDeadline(), le.retryPeriod(), lease.getSpec().getHolderIdentity(),
        new LeaderCallbacks(leadership::started, leadership::stopped, leader -> {
        }), false);
  }

  private static String hostName() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "sandbox-controller";
    }
  }

  private static String version() {
    String version = SandboxController.class.getPackage().getImplementationVersion();
    return version == null ? "unknown" : version;
  }

  /** Follows the Lease; losing it while running stops the controller, as the reference one exits. */
  private static final class Leadership {
    volatile SandboxController controller;
    volatile boolean leading;
    volatile boolean lost;

    /** Without election ({@code electing} false) the controller always leads. */
    Leadership(boolean electing) {
      leading = !electing;
    }

    void started() {
      leading = true;
      log.info("Acquired the leader Lease; reconciling");
    }

    void stopped() {
      boolean wasLeading = leading;
      leading = false;
      SandboxController current = controller;
      if (wasLeading && current != null && !current.closed.get()) {
        lost = true;
        log.error("Lost the leader Lease; stopping so that another replica takes over");
        Thread stopper = new Thread(current::close, "sandbox-controller-leadership-lost");
        stopper.setDaemon(true);
        stopper.start();
      }
    }
  }

  private static <R extends HasMetadata> void configure(ControllerConfigurationOverrider<R> c,
      ControllerOptions options) {
    if (options.namespaces().isEmpty()) {
      c.watchingAllNamespaces();
    } else {
      c.settingNamespaces(options.namespaces());
    }
    // Fast first retries: most failures are races with another writer that resolve at once.
    c.withRetry(new GenericRetry()
        .setInitialInterval(50)
        .setIntervalMultiplier(2)
        .setMaxInterval(60_000)
        .withoutMaxAttempts());
  }

  /**
   * Whether this controller works: false once it is closed or has lost the leader Lease. Does not
   * block.
   */
  boolean isHealthy() {
    return !closed.get() && !leadership.lost;
  }

  /**
   * Whether every informer is connected and synced, leader or not. Does not block.
   */
  boolean isReady() {
    return !closed.get() && operator.getRuntimeInfo().isStarted()
        && operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  /** Names of the registered reconcilers, e.g. {@code sandbox-controller}. */
  Set<String> reconcilerNames() {
    return operator.getRuntimeInfo().getRegisteredControllers().stream()
        .map(c -> c.getConfiguration().getName())
        .collect(Collectors.toUnmodifiableSet());
  }

  /** How many warm-pool reconciles were submitted, each recognised as one (and so put behind claims). */
  long poolReconciles() {
    return executor.poolTasks();
  }

  /** Whether this controller currently holds the leader Lease; true when leader election is off. */
  boolean isLeader() {
    return leadership.leading;
  }

  /**
   * Completes once the controller has stopped, by {@link #close()} or after losing the leader
   * Lease (then {@link #isHealthy()} is false).
   */
  CompletableFuture<Void> terminated() {
    return terminated;
  }

  /**
   * Stops the reconcilers and their informers, waiting up to
   * {@link ControllerOptions#terminationTimeout()} for running reconciles to finish and as long
   * again for the events they recorded to be written, then releases the leader Lease if this
   * controller holds it, so that another one takes over at once.
   * Idempotent. Does not close the client.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        operator.stop();
        afterStop.run();
        log.info("Sandbox controller stopped");
      } finally {
        terminated.complete(null);
      }
    }
  }

  /** Gives up the Lease if this controller still holds it, so that another one takes over at once. */
  private static void release(KubernetesClient client, Lease ours) {
    String namespace = ours.getMetadata().getNamespace();
    String name = ours.getMetadata().getName();
    try {
      Lease current = client.leases().inNamespace(namespace).withName(name).get();
      if (current == null || current.getSpec() == null
          || !ours.getSpec().getHolderIdentity().equals(current.getSpec().getHolderIdentity())) {
        return;
      }
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      current.getSpec().setHolderIdentity(null);
      current.getSpec().setLeaseDurationSeconds(1);
      current.getSpec().setRenewTime(now);
      client.resource(current).update();
      log.info("Released the leader Lease {}/{}", namespace, name);
    } catch (KubernetesClientException e) {
      // Others take over when it expires instead.
      log.warn("Could not release the leader Lease {}/{}: {}", namespace, name, e.getMessage());
    }
  }
}
