package dev.agentsandbox.client.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts the connections of every tunnel's loopback listener on one thread, so a client with a
 * tunnel per sandbox does not keep an accepting thread per sandbox. The thread runs while at
 * least one listener is registered and ends when the last one is cancelled.
 */
final class TunnelAcceptor {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelAcceptor.class);
  private static final TunnelAcceptor SHARED = new TunnelAcceptor("sandbox-tunnel-acceptor");

  /** Told about one listener's connections, on the accepting thread; must not block. */
  interface Listener {
    /**
     * A connection arrived from {@code remote}; the socket is in blocking mode, without Nagle's
     * algorithm, and now the listener's.
     */
    void accepted(SocketChannel socket, InetSocketAddress remote);

    /** The listener cannot accept any more; it is no longer registered. */
    void failed(IOException error);
  }

  /** One listener's place on the accepting thread. */
  final class Registration {
    private final ServerSocketChannel server;
    private final Listener listener;
    private SelectionKey key;

    private Registration(ServerSocketChannel server, Listener listener) {
      this.server = server;
      this.listener = listener;
    }

    /** Whether connections are still accepted for the listener. */
    boolean isActive() {
      synchronized (lock) {
        return active.contains(this);
      }
    }

    /**
     * Stops accepting for the listener; the channel stays open. Idempotent.
     *
     * @return whether this call cancelled it
     */
    boolean cancel() {
      synchronized (lock) {
        if (!active.remove(this)) {
          return false;
        }
        pending.remove(this);
        if (key != null) {
          key.cancel();
        }
        if (selector != null) {
          selector.wakeup();
        }
        return true;
      }
    }
  }

  private final String threadName;
  private final Object lock = new Object();
  /** Registered, not yet cancelled; the thread ends when none is left. */
  private final Set<Registration> active = new HashSet<>();
  /** Registered, not yet on the selector. */
  private final List<Registration> pending = new ArrayList<>();
  private Selector selector;

  TunnelAcceptor(String threadName) {
    this.threadName = threadName;
  }

  static TunnelAcceptor shared() {
    return SHARED;
  }

  /**
   * Accepts {@code server}'s connections from now on, telling {@code listener}; starts the
   * accepting thread if none runs. The channel is switched to non-blocking mode.
   *
   * @throws IOException if the channel cannot be switched or no selector can be opened
   */
  Registration register(ServerSocketChannel server, Listener listener) throws IOException {
    server.configureBlocking(false);
    Registration registration = new Registration(server, listener);
    synchronized (lock) {
      if (selector == null) {
        Selector fresh = Selector.open();
        Thread thread = new Thread(() -> run(fresh), threadName);
        thread.setDaemon(true);
        thread.start();
        selector = fresh;
      }
      active.add(registration);
      pending.add(registration);
      selector.wakeup();
    }
    return registration;
  }

  private void run(Selector own) {
    try {
      while (true) {
        synchronized (lock) {
          if (active.isEmpty()) {
            // A register() after this starts a new thread with a new selector.
            selector = null;
            return;
          }
          for (Registration registration : pending) {
            try {
              registration.key = registration.server.register(own, SelectionKey.OP_ACCEPT, registration);
            } catch (ClosedChannelException e) {
              // Closed by its owner, which cancels the registration too.
              registration.key = null;
            }
          }
          pending.clear();
        }
        own.select();
        Iterator<SelectionKey> selected = own.selectedKeys().iterator();
        while (selected.hasNext()) {
          SelectionKey key = selected.next();
          selected.remove();
          if (key.isValid() && key.isAcceptable()) {
            accept((Registration) key.attachment());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("The tunnels' accepting thread failed: {}", e.toString());
      failAll(own);
    } finally {
      try {
        own.close();
      } catch (IOException e) {
        LOG.debug("Closing the tunnels' selector failed", e);
      }
    }
  }

  private void accept(Registration registration) {
    SocketChannel socket;
    try {
      socket = registration.server.accept();
    } catch (IOException e) {
      if (registration.cancel()) {
        registration.listener.failed(e);
      }
      return;
    }
    if (socket == null) {
      return;
    }
    InetSocketAddress remote;
    try {
      socket.configureBlocking(true);
      // What the pod sends is written as it comes, often in small pieces (a gRPC frame, a line
      // of output): without this, Nagle's algorithm holds each one back until the client's
      // delayed acknowledgement of the one before, some 40 ms.
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      remote = (InetSocketAddress) socket.getRemoteAddress();
    } catch (IOException e) {
      // This connection is already gone; the listener is fine.
      LOG.debug("A tunnel connection closed before it could be forwarded: {}", e.toString());
      try {
        socket.close();
      } catch (IOException closing) {
        LOG.debug("Closing it failed too", closing);
      }
      return;
    }
    registration.listener.accepted(socket, remote);
  }

  private void failAll(Selector own) {
    List<Registration> all;
    synchronized (lock) {
      all = new ArrayList<>(active);
      if (selector == own) {
        selector = null;
      }
    }
    IOException error = new IOException("the tunnels' accepting thread failed");
    for (Registration registration : all) {
      if (registration.cancel()) {
        registration.listener.failed(error);
      }
    }
  }
}
