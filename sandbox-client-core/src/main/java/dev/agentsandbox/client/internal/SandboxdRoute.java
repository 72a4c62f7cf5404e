package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxConnectionException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one sandbox's sandboxd is reached: through two port-forward tunnels to its pod (REST and
 * gRPC), or straight at its pod IP inside the cluster. Opened on first use and opened again,
 * for the pod the Sandbox names then, after a connection failed. Thread-safe.
 */
final class SandboxdRoute implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxdRoute.class);

  /** Opens a tunnel to one port of the pod. */
  @FunctionalInterface
  interface TunnelOpener {
    RouterTunnel open() throws IOException;
  }

  /**
   * One opened way to the pod: the gRPC channel, and the REST base URL, whose tunnel is opened
   * on the first file call (a sandbox used for processes only never needs it).
   */
  static final class Connection {
    private final String podName;
    private final ManagedChannel channel;
    private final RouterTunnel grpcTunnel;
    private final HttpUrl directRest;
    private final TunnelOpener restOpener;
    private RouterTunnel restTunnel;
    private boolean closed;

    Connection(String podName, ManagedChannel channel, RouterTunnel grpcTunnel, HttpUrl directRest,
        TunnelOpener restOpener) {
      this.podName = podName;
      this.channel = channel;
      this.grpcTunnel = grpcTunnel;
      this.directRest = directRest;
      this.restOpener = restOpener;
    }

    String podName() {
      return podName;
    }

    ManagedChannel channel() {
      return channel;
    }

    /** Where REST requests go; opens the REST tunnel on first use. */
    synchronized HttpUrl restUrl() throws IOException {
      if (directRest != null) {
        return directRest;
      }
      if (closed) {
        throw new IOException("the connection to the sandbox was closed");
      }
      if (restTunnel == null) {
        restTunnel = restOpener.open();
      }
      return restTunnel.baseUrl();
    }

    synchronized void close() {
      closed = true;
      channel.shutdownNow();
      if (restTunnel != null) {
        restTunnel.close();
      }
      if (grpcTunnel != null) {
        grpcTunnel.close();
      }
    }

    synchronized boolean alive() {
      return !closed && !channel.isShutdown() && (restTunnel == null || restTunnel.isAlive())
          && (grpcTunnel == null || grpcTunnel.isAlive());
    }
  }

  private final KubernetesClient kubernetes;
  private final GrpcChannels channels;
  private final SandboxLookup lookup;
  private final SandboxRef ref;
  private final SandboxdPorts ports;
  private final boolean tunnel;
  private final Object lock = new Object();
  private Connection current;
  private boolean closed;

  /**
   * @param tunnel true to port-forward to the pod, false to connect to its IP (in the cluster)
   */
  SandboxdRoute(KubernetesClient kubernetes, GrpcChannels channels, SandboxLookup lookup, SandboxRef ref,
      SandboxdPorts ports, boolean tunnel) {
    this.kubernetes = kubernetes;
    this.channels = channels;
    this.lookup = lookup;
    this.ref = ref;
    this.ports = ports;
    this.tunnel = tunnel;
  }

  /** The way to the pod, opening it if none is open. Blocks for the API calls that needs. */
  Connection connection() {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the connection to sandbox '" + ref.sandboxName() + "' was closed");
      }
      if (current != null && current.alive()) {
        return current;
      }
      if (current != null) {
        current.close();
      }
      current = open();
      return current;
    }
  }

  /** A call through {@code used} failed to connect: the next one opens the way again. */
  void failed(Connection used) {
    synchronized (lock) {
      if (current == used && used != null) {
        LOG.debug("Dropping the connection to sandboxd of {} (pod {})", ref.sandboxName(), used.podName());
        current = null;
        used.close();
      }
    }
  }

  private Connection open() {
    String podName = lookup.podName(ref);
    if (!tunnel) {
      String ip = lookup.podIp(ref).orElseThrow(() -> new SandboxConnectionException("Sandbox '"
          + ref.sandboxName() + "' reports no pod IP yet, so its sandboxd cannot be reached in the "
          + "cluster", ref.claimName(), ref.namespace(), null));
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      HttpUrl rest = HttpUrl.get("http://" + host + ":" + ports.rest() + "/");
      return new Connection(podName, channels.channel(ip, ports.grpc()), null, rest, null);
    }
    String uid = "";
    try {
      Pod pod = kubernetes.pods().inNamespace(ref.namespace()).withName(podName).get();
      if (pod == null) {
        throw new SandboxConnectionException("Pod '" + podName + "' of sandbox '" + ref.sandboxName()
            + "' not found in namespace '" + ref.namespace() + "'", ref.claimName(), ref.namespace(), null);
      }
      uid = pod.getMetadata().getUid();
    } catch (KubernetesClientException e) {
      // Without the right to read pods the tunnel still works; it just cannot tell pods apart.
      LOG.debug("Cannot read pod {}/{}: {}", ref.namespace(), podName, e.getMessage());
    }
    String podUid = uid;
    try {
      RouterTunnel grpcTunnel = RouterTunnel.open(kubernetes, ref.namespace(), podName, podUid, ports.grpc());
      HttpUrl grpcUrl = grpcTunnel.baseUrl();
      LOG.debug("Tunnel to sandboxd of {} (pod {}): gRPC {}", ref.sandboxName(), podName, grpcUrl);
      return new Connection(podName, channels.channel(grpcUrl.host(), grpcUrl.port()),
          grpcTunnel, null, () -> RouterTunnel.open(kubernetes, ref.namespace(), podName, podUid, ports.rest()));
    } catch (IOException e) {
      throw new SandboxConnectionException("Cannot open a local port for the tunnel to sandbox '"
          + ref.sandboxName() + "': " + e.getMessage(), ref.claimName(), ref.namespace(), e);
    }
  }

  /** Closes the way to the pod; in-flight calls fail. Idempotent. */
  @Override
  public void close() {
    Connection last;
    synchronized (lock) {
      closed = true;
      last = current;
      current = null;
    }
    if (last != null) {
      last.close();
      try {
        last.channel().awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What a user should check when sandboxd cannot be reached. */
  String hint() {
    return tunnel ? "check that your credentials may create pods/portforward in namespace '"
        + ref.namespace() + "' and that the sandbox's pod serves sandboxd on ports " + ports.rest()
        + " and " + ports.grpc()
        : "check that this process runs in the cluster and may reach the sandbox's pod on ports "
        + ports.rest() + " and " + ports.grpc();
  }
}
