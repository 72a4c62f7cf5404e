package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxConnectionException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Connects a fleet's sandboxes that run sandboxd: each gets its own {@link SandboxdRoute} (a
 * tunnel to its pod, or its pod IP in the cluster); all share one HTTP client and one timer
 * thread. The other connection modes reach a router, which sandboxd does not sit behind. Also
 * starts the live processes of legacy-runtime sandboxes through {@code pods/exec}.
 */
public final class SandboxdConnector implements AutoCloseable {
  private final ConnectionMode mode;
  private final KubernetesClient kubernetes;
  private final HttpSettings settings;
  private final HttpTransport transport;
  private final ScheduledExecutorService scheduler;
  private final GrpcChannels channels = new GrpcChannels();

  /** Opens nothing until a sandbox connects. */
  public SandboxdConnector(ConnectionMode mode, KubernetesClient kubernetes, HttpSettings settings) {
    this.mode = mode;
    this.kubernetes = kubernetes;
    this.settings = settings;
    this.transport = new HttpTransport(settings, false, null, null, null);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "sandboxd-timer");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Whether the connection mode can reach sandboxd: a tunnel, or in the cluster. */
  public boolean reachable() {
    return mode instanceof ConnectionMode.Tunnel || mode instanceof ConnectionMode.InCluster;
  }

  /**
   * The API of one ready sandbox that runs sandboxd on {@code ports}; connects on first use.
   *
   * @throws SandboxConnectionException if the client's connection mode cannot reach sandboxd
   */
  public SandboxdApi connect(SandboxRef ref, SandboxdPorts ports, SandboxLookup lookup) {
    boolean tunnel;
    if (mode instanceof ConnectionMode.Tunnel) {
      tunnel = true;
    } else if (mode instanceof ConnectionMode.InCluster) {
      tunnel = false;
    } else {
      throw new SandboxConnectionException("Sandbox '" + ref.sandboxName() + "' runs sandboxd, which is "
          + "reached by a tunnel to its pod or, in the cluster, at its pod IP; the connection mode "
          + mode.getClass().getSimpleName() + " reaches a router only. Use ConnectionMode.tunnel() or "
          + "ConnectionMode.inCluster()", ref.claimName(), ref.namespace(), null);
    }
    return new SandboxdApi(ref, new SandboxdRoute(kubernetes, channels, lookup, ref, ports, tunnel),
        transport.client(), settings, scheduler);
  }

  /**
   * Starts the live processes of a legacy-runtime sandbox through {@code pods/exec}.
   */
  public LegacyRuntimeApi.LiveStarter podExec(SandboxRef ref, SandboxLookup lookup) {
    return spec -> PodExecProcess.start(kubernetes, ref, lookup.podName(ref), spec,
        settings.connectTimeout().plus(settings.readTimeout()), settings.maxResponseBytes(), scheduler);
  }

  /** Stops the timer and releases the HTTP client. Idempotent. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    channels.close();
    transport.close();
  }
}
