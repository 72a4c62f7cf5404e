package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.internal.RouterTunnel;
import dev.agentsandbox.local.StreamedTransfer.HeapSampler;
import dev.agentsandbox.local.internal.LocalApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A port-forward through the embedded API server and the client tunnel, to a "pod" that is a
 * plain socket: when either end stops reading, the other end is held back, and nothing piles up
 * in the heap on the way.
 */
class PortForwardBackpressureTest {
  /** Far more than every buffer on the way can hold, kernel socket buffers included. */
  private static final long FLOOD_BYTES = 512L << 20;
  /** How long a test watches the path before it concludes that it is held back. */
  private static final Duration QUIET = Duration.ofSeconds(3);
  /** What a held-back path may still take per {@link #QUIET}; a flowing one takes far more. */
  private static final long TRICKLE = 1L << 20;
  private static final long HEAP_GROWTH_LIMIT = 64L << 20;

  private LocalApiServer api;
  private KubernetesClient client;
  private ServerSocketChannel pod;

  @BeforeEach
  void start() throws IOException {
    pod = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    api = LocalApiServer.start((namespace, name) -> "still".equals(name)
        ? Optional.of(InetAddress.getLoopbackAddress().getHostAddress()) : Optional.empty());
    client = api.newClient();
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    api.close();
    pod.close();
  }

  @Test
  void R1_portForwardHoldsTheClientBackWhileThePodReadsNothing() throws Exception {
    try (RouterTunnel tunnel = RouterTunnel.open(client, "default", "still", null, podPort());
        SocketChannel sender = SocketChannel.open(address(tunnel));
        SocketChannel idle = pod.accept()) {
      HeapSampler heap = new HeapSampler();

      long pushed = pushUntilStalled(sender);
      heap.sample();

      assertTrue(pushed < FLOOD_BYTES, "the sender was never held back: it wrote " + (pushed >> 20) + " MiB");
      assertTrue(heap.peakGrowth() <= HEAP_GROWTH_LIMIT,
          "the live heap grew by " + (heap.peakGrowth() >> 20) + " MiB");
    }
  }

  @Test
  void R1_portForwardHoldsThePodBackWhileTheClientReadsNothing() throws Exception {
    try (RouterTunnel tunnel = RouterTunnel.open(client, "default", "still", null, podPort());
        SocketChannel idle = SocketChannel.open(address(tunnel));
        SocketChannel sender = pod.accept()) {
      HeapSampler heap = new HeapSampler();

      long pushed = pushUntilStalled(sender);
      heap.sample();

      assertTrue(pushed < FLOOD_BYTES, "the pod was never held back: it wrote " + (pushed >> 20) + " MiB");
      assertTrue(heap.peakGrowth() <= HEAP_GROWTH_LIMIT,
          "the live heap grew by " + (heap.peakGrowth() >> 20) + " MiB");
    }
  }

  private int podPort() throws IOException {
    return ((InetSocketAddress) pod.getLocalAddress()).getPort();
  }

  private static InetSocketAddress address(RouterTunnel tunnel) {
    return new InetSocketAddress(tunnel.baseUrl().host(), tunnel.baseUrl().port());
  }

  /**
   * Writes pseudo-random bytes (WebSockets may compress, so never a constant) to
   * {@code channel} until it has taken {@link #FLOOD_BYTES}, or less than {@link #TRICKLE} in
   * the last {@link #QUIET} (a held-back path still takes a little now and then, as windows
   * open); returns how much it took.
   */
  private static long pushUntilStalled(SocketChannel channel) throws IOException {
    channel.configureBlocking(false);
    byte[] bytes = new byte[64 * 1024];
    new SplittableRandom(3).nextBytes(bytes);
    ByteBuffer chunk = ByteBuffer.wrap(bytes);
    long pushed = 0;
    try (Selector selector = Selector.open()) {
      channel.register(selector, SelectionKey.OP_WRITE);
      long windowStart = System.nanoTime();
      long pushedBeforeWindow = 0;
      while (pushed < FLOOD_BYTES) {
        selector.select(QUIET.toMillis());
        selector.selectedKeys().clear();
        if (!chunk.hasRemaining()) {
          chunk.clear();
        }
        pushed += channel.write(chunk);
        if (System.nanoTime() - windowStart >= QUIET.toNanos()) {
          if (pushed - pushedBeforeWindow < TRICKLE) {
            return pushed;
          }
          windowStart = System.nanoTime();
          pushedBeforeWindow = pushed;
        }
      }
    }
    return pushed;
  }
}
