package dev.agentsandbox.controller;

import dev.agentsandbox.controller.internal.SandboxClaimReconciler;
import dev.agentsandbox.controller.internal.SandboxReconciler;
import dev.agentsandbox.controller.internal.WarmPoolReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>Warm pools keep Sandboxes ready for claims to adopt. Lifecycle expiry, PVCs, NetworkPolicies
 * and events are not handled yet.
 *
 * @since 0.1.0
 */
public final class SandboxController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SandboxController.class);

  private final Operator operator;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SandboxController(Operator operator) {
    this.operator = operator;
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
   */
  public static SandboxController start(KubernetesClient client, ControllerOptions options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(options, "options");
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        .checkingCRDAndValidateLocalModel(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withConcurrentReconciliationThreads(options.workers())
        .withCacheSyncTimeout(options.cacheSyncTimeout()));
    operator.register(new SandboxReconciler(options.clusterDomain()), c -> configure(c, options));
    operator.register(new SandboxClaimReconciler(), c -> configure(c, options));
    operator.register(new WarmPoolReconciler(), c -> configure(c, options));
    try {
      operator.start();
    } catch (RuntimeException e) {
      operator.stop();
      throw e;
    }
    log.info("Sandbox controller started (namespaces: {}, workers: {})",
        options.namespaces().isEmpty() ? "all" : options.namespaces(), options.workers());
    return new SandboxController(operator);
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
   * Stops the reconcilers and their informers, waiting for running reconciles to finish.
   * Idempotent. Does not close the client.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      operator.stop();
      log.info("Sandbox controller stopped");
    }
  }
}
