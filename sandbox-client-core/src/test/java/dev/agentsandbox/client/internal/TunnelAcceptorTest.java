package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many listeners, one accepting thread, which ends with the last registration. */
class TunnelAcceptorTest {
  private static final String THREAD = "test-tunnel-acceptor";

  @Test
  void oneThreadAcceptsForEveryListenerAndEndsWithTheLast() throws Exception {
    TunnelAcceptor acceptor = new TunnelAcceptor(THREAD);
    List<ServerSocketChannel> servers = new ArrayList<>();
    List<TunnelAcceptor.Registration> registrations = new ArrayList<>();
    List<BlockingQueue<SocketChannel>> accepted = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        ServerSocketChannel server = ServerSocketChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        BlockingQueue<SocketChannel> queue = new LinkedBlockingQueue<>();
        servers.add(server);
        accepted.add(queue);
        registrations.add(acceptor.register(server, new Collecting(queue)));
      }
      assertEquals(1, threads(), "one accepting thread for three listeners");

      for (int i = 0; i < 3; i++) {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port(servers.get(i)))) {
          client.getOutputStream().write(i);
          SocketChannel socket = accepted.get(i).poll(10, TimeUnit.SECONDS);
          assertNotNull(socket, "listener " + i + " got its connection");
          assertTrue(socket.isBlocking(), "handed over in blocking mode");
          assertTrue(socket.getOption(StandardSocketOptions.TCP_NODELAY), "without Nagle's algorithm");
          ByteBuffer one = ByteBuffer.allocate(1);
          socket.read(one);
          assertEquals(i, one.get(0));
          socket.close();
        }
      }
      for (BlockingQueue<SocketChannel> queue : accepted) {
        assertTrue(queue.isEmpty(), "no connection went to another listener");
      }

      Thread thread = thread();
      registrations.forEach(TunnelAcceptor.Registration::cancel);
      assertFalse(registrations.get(0).isActive());
      thread.join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(thread.isAlive(), "the thread ends with the last registration");

      // A later registration starts a new thread.
      BlockingQueue<SocketChannel> again = new LinkedBlockingQueue<>();
      TunnelAcceptor.Registration last = acceptor.register(servers.get(0), new Collecting(again));
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port(servers.get(0)))) {
        SocketChannel socket = again.poll(10, TimeUnit.SECONDS);
        assertNotNull(socket);
        socket.close();
      }
      Thread second = thread();
      last.cancel();
      second.join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(second.isAlive());
    } finally {
      registrations.forEach(TunnelAcceptor.Registration::cancel);
      for (ServerSocketChannel server : servers) {
        server.close();
      }
    }
  }

  private static int port(ServerSocketChannel server) throws IOException {
    return ((InetSocketAddress) server.getLocalAddress()).getPort();
  }

  private static long threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && THREAD.equals(t.getName())).count();
  }

  private static Thread thread() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && THREAD.equals(t.getName())).findFirst().orElseThrow();
  }

  private record Collecting(BlockingQueue<SocketChannel> queue) implements TunnelAcceptor.Listener {
    @Override
    public void accepted(SocketChannel socket, InetSocketAddress remote) {
      queue.add(socket);
    }

    @Override
    public void failed(IOException error) {
      throw new AssertionError("no listener fails here", error);
    }
  }
}
