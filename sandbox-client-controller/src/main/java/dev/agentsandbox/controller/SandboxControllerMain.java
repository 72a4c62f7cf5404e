package dev.agentsandbox.controller;

import dev.agentsandbox.controller.internal.EndpointServer;
import dev.agentsandbox.controller.internal.EndpointServer.Reply;
import dev.agentsandbox.controller.internal.RequestRateLimit;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the controller as a program, a drop-in for the reference agent-sandbox controller: same
 * flags and defaults (see {@link ControllerFlags#USAGE}), leader election through the same Lease,
 * {@code /healthz} and {@code /readyz} on {@code --health-probe-bind-address}, Prometheus
 * {@code /metrics} on {@code --metrics-bind-address}. It uses the in-cluster service account, or
 * the current kubeconfig outside a cluster.
 *
 * <p>On SIGTERM or SIGINT it stops reconciling (waiting up to 20 s for running reconciles),
 * releases the Lease and closes its endpoints. It exits with status 1 if it loses the Lease and
 * with status 2 on a bad flag.
 *
 * @since 0.1.0
 */
public final class SandboxControllerMain {
  private static final Logger log = LoggerFactory.getLogger(SandboxControllerMain.class);

  private SandboxControllerMain() {
  }

  /**
   * Starts the controller and blocks until the JVM is asked to shut down.
   *
   * @param args flags as in {@link ControllerFlags#USAGE}
   * @throws InterruptedException if the main thread is interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    ControllerFlags flags;
    try {
      flags = ControllerFlags.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(ControllerFlags.USAGE);
      System.exit(2);
      return;
    }
    flags.warnings().forEach(w -> log.warn("{}", w));
    Running running = start(flags, () -> client(flags));
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "sandbox-controller-shutdown"));
    try {
      running.controller().terminated().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    if (!running.controller().isHealthy()) {
      System.exit(1);
    }
  }

  /** Everything the program runs; closing stops it in order. */
  record Running(SandboxController controller, KubernetesClient client, PrometheusMeterRegistry registry,
      List<EndpointServer> servers) implements AutoCloseable {
    @Override
    public void close() {
      // Stop reconciling and hand the Lease over first; the endpoints go last so that probes
      // see the controller going unready rather than gone.
      controller.close();
      servers.forEach(EndpointServer::close);
      client.close();
      registry.close();
    }
  }

  /**
   * Starts the endpoints, the client and the controller. Blocks until the informers have synced.
   * The client is closed with the returned {@link Running}.
   *
   * @throws RuntimeException if an address cannot be bound or the controller cannot start;
   *     everything started so far is closed
   */
  static Running start(ControllerFlags flags, Supplier<KubernetesClient> clients) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    AtomicReference<SandboxController> controller = new AtomicReference<>();
    List<EndpointServer> servers = new ArrayList<>();
    KubernetesClient client = null;
    try {
      flags.healthAddress().ifPresent(address -> servers.add(EndpointServer.start("health", address, Map.of(
          "/healthz", () -> health(controller.get() == null || controller.get().isHealthy()),
          "/readyz", () -> health(controller.get() != null && controller.get().isReady())))));
      flags.metricsAddress().ifPresent(address -> servers.add(EndpointServer.start("metrics", address, Map.of(
          "/metrics", () -> new Reply(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())))));
      client = clients.get();
      controller.set(SandboxController.start(client, flags.options().toBuilder().meterRegistry(registry).build()));
      return new Running(controller.get(), client, registry, List.copyOf(servers));
    } catch (RuntimeException e) {
      servers.forEach(EndpointServer::close);
      if (client != null) {
        client.close();
      }
      registry.close();
      throw e;
    }
  }

  private static KubernetesClient client(ControllerFlags flags) {
    KubernetesClientBuilder builder = new KubernetesClientBuilder();
    if (flags.kubeApiQps() > 0) {
      RequestRateLimit limit = new RequestRateLimit(flags.kubeApiQps(), flags.kubeApiBurst(), System.nanoTime());
      builder.withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(RequestRateLimit.NAME, limit));
    }
    return builder.build();
  }

  private static Reply health(boolean ok) {
    return ok ? Reply.text(200, "ok\n") : Reply.text(503, "not ok\n");
  }
}
