package dev.agentsandbox.client.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC channels of one fleet: plaintext HTTP/2 over Netty, all on one small event-loop group,
 * so the threads do not grow with the number of sandboxes or processes. Created on first use; {@link #close()} stops the threads.
 */
public final class GrpcChannels implements AutoCloseable {
  /** Bytes a stream may send ahead of the client's reading. */
  private static final int FLOW_CONTROL_WINDOW = 4 << 20;
  private static final int EVENT_LOOPS = 2;

  private EventLoopGroup loops;
  private boolean closed;

  /**
   * A channel to {@code host:port}.
   *
   * @throws IllegalStateException once closed
   */
  public synchronized ManagedChannel channel(String host, int port) {
    if (closed) {
      throw new IllegalStateException("the fleet's gRPC channels were closed");
    }
    if (loops == null) {
      loops = new NioEventLoopGroup(EVENT_LOOPS, threads("sandboxd-io-"));
    }
    return NettyChannelBuilder.forAddress(host, port)
        .usePlaintext()
        .eventLoopGroup(loops)
        .channelType(NioSocketChannel.class)
        // Callbacks (output to subscribers, unary answers) run on the event loop: they never
        // block, and a hop to another thread would cost each chunk of output a wake-up.
        .directExecutor()
        .flowControlWindow(FLOW_CONTROL_WINDOW)
        .build();
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Stops the threads; channels still open fail. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    if (loops != null) {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
