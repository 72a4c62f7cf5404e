package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.PortForward;
import io.fabric8.kubernetes.client.http.WebSocket;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process port-forward from a free loopback port to one router pod: every local
 * connection gets its own port-forward stream (a WebSocket to the API server's
 * {@code pods/portforward}), opened with fabric8.
 *
 * <p>fabric8's {@code LocalPortForward} does the same but cannot say what became of a given
 * connection, and keeps every stream's handle for its whole life. This tunnel accepts
 * connections itself so it can tell, per connection, whether any byte written to it was ever
 * taken off the socket: fabric8 reads from the socket only once the stream to the pod is open.
 * A request whose bytes were never taken (the pod was gone, the stream closed before) provably
 * never reached the router, so even a command may be sent again. See {@link #neverDelivered}.
 *
 * <p>Both directions apply backpressure. fabric8 sends whatever it reads off the socket without
 * waiting, and OkHttp closes a WebSocket whose send queue exceeds 16 MiB, so the socket is read
 * only while less than {@link #SEND_QUEUE_HIGH} bytes wait to be sent; what the pod sends is
 * written to the socket on the thread that reads the WebSocket, which therefore stops reading
 * while the client does. Each connection keeps an account of how its stream ended, for error
 * messages that say what happened ({@link #describe}).
 */
public final class RouterTunnel implements Closeable, SandboxEndpoint.DeliveryWitness,
    TunnelAcceptor.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(RouterTunnel.class);
  /** How long a finished connection's record is kept for a late question about it. */
  private static final long FINISHED_RECORD_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final int MAX_ERRORS_KEPT = 4;
  /** Bytes queued on a stream's WebSocket above which the socket is not read. */
  static final long SEND_QUEUE_HIGH = 1L << 20;
  /** Bytes queued on a stream's WebSocket below which reading resumes. */
  static final long SEND_QUEUE_LOW = 256L << 10;
  private static final long MIN_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** Tunnels of this JVM that are open. */
  private static final AtomicInteger LIVE = new AtomicInteger();

  private final KubernetesClient client;
  private final String namespace;
  private final String podName;
  private final String podUid;
  private final int podPort;
  private final ServerSocketChannel server;
  private final InetSocketAddress localAddress;
  private final Map<Integer, ForwardedConnection> connections = new ConcurrentHashMap<>();
  private final Deque<String> recentErrors = new ArrayDeque<>();
  /** The connection that finished last, for the evidence it holds; null while none has. */
  private volatile ForwardedConnection lastEnded;
  private final Object lock = new Object();
  private TunnelAcceptor.Registration accepting;
  private volatile boolean closed;

  private RouterTunnel(KubernetesClient client, String namespace, String podName, String podUid,
      int podPort, ServerSocketChannel server) throws IOException {
    this.client = client;
    this.namespace = namespace;
    this.podName = podName;
    this.podUid = podUid;
    this.podPort = podPort;
    this.server = server;
    this.localAddress = (InetSocketAddress) server.getLocalAddress();
  }

  /**
   * Listens on a free loopback port and forwards every connection to {@code podPort} of the pod.
   * Does not contact the API server until a connection arrives.
   *
   * @throws IOException if no local port can be bound
   */
  public static RouterTunnel open(KubernetesClient client, String namespace, String podName,
      String podUid, int podPort) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      RouterTunnel tunnel = new RouterTunnel(client, namespace, podName, podUid, podPort, server);
      tunnel.accepting = TunnelAcceptor.shared().register(server, tunnel);
      LIVE.incrementAndGet();
      LOG.debug("Tunnel {}:{} -> pod {}/{} port {}", tunnel.localAddress.getAddress().getHostAddress(),
          tunnel.localAddress.getPort(), namespace, podName, podPort);
      return tunnel;
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** How many tunnels this JVM has open, for diagnostics and tests. */
  public static int liveTunnels() {
    return LIVE.get();
  }

  /** The loopback URL the router is reachable at while the tunnel is alive. */
  public HttpUrl baseUrl() {
    return new HttpUrl.Builder().scheme("http")
        .host(localAddress.getAddress().getHostAddress())
        .port(localAddress.getPort())
        .build();
  }

  /** Whether the tunnel still accepts connections. */
  public boolean isAlive() {
    return !closed && accepting.isActive();
  }

  /** The pod the tunnel forwards to. */
  public String podName() {
    return podName;
  }

  /** The uid of the pod the tunnel forwards to, to tell it from a successor of the same name. */
  public String podUid() {
    return podUid;
  }

  /** How many local connections are forwarded right now. */
  public int openStreams() {
    return (int) connections.values().stream().filter(c -> !c.finished).count();
  }

  /** What the tunnel observed, for error messages; never contains request data. */
  public String diagnostics() {
    StringBuilder out = new StringBuilder("Port-forward to pod ").append(namespace).append('/')
        .append(podName).append(" port ").append(podPort);
    if (!isAlive()) {
      out.append(" is closed");
    }
    synchronized (recentErrors) {
      if (!recentErrors.isEmpty()) {
        out.append("; last error: ").append(recentErrors.peekLast());
      }
    }
    return out.append('.').toString();
  }

  @Override
  public Object checkpoint(Socket socket, boolean fresh, long connectStartNanos) {
    int clientPort = socket.getLocalPort();
    if (socket.getPort() != localAddress.getPort()) {
      return null;
    }
    if (fresh) {
      // The connection may not be accepted yet; it is matched later, by time, since an earlier
      // connection from the same client port may still have a record.
      return new Checkpoint(clientPort, null, 0, connectStartNanos);
    }
    ForwardedConnection connection = connections.get(clientPort);
    return connection == null ? null
        : new Checkpoint(clientPort, connection, connection.taken.get(), Long.MIN_VALUE);
  }

  /**
   * True only when no byte written to the connection since {@code checkpoint} can have left
   * this process: its stream is finished, no read from it is under way, and the count of bytes
   * taken off it has not moved; or it was never accepted and never will be.
   */
  @Override
  public boolean neverDelivered(Object checkpoint) {
    if (!(checkpoint instanceof Checkpoint point)) {
      return false;
    }
    ForwardedConnection connection = connectionOf(point);
    if (connection == null) {
      // Closed: a connection accepted from now on is closed unread (see accepted).
      return closed;
    }
    return connection.finished && !connection.reading
        && connection.taken.get() == point.takenBefore;
  }

  /**
   * How the stream of the connection of {@code checkpoint} ended, e.g. "The port-forward stream
   * to pod ns/router port 8080 closed mid-transfer after 1234 bytes sent and 0 received: ...";
   * null while it has not ended or nothing is known of it.
   */
  @Override
  public String describe(Object checkpoint) {
    ForwardedConnection connection = checkpoint instanceof Checkpoint point ? connectionOf(point) : null;
    return connection == null || !connection.finished ? null : connection.end().account();
  }

  /**
   * Whether what the tunnel saw last points at the router's deployment: the latest stream that
   * ended never opened (no such pod, no permission), or the API server could not connect to the
   * router's port. False when streams opened and the router answered, or nothing is known.
   */
  public boolean routerMayBeMissing() {
    ForwardedConnection last = lastEnded;
    return last != null && last.end().kind().routerMayBeMissing;
  }

  /** The connection a checkpoint was taken on, or null if it was never accepted. */
  private ForwardedConnection connectionOf(Checkpoint point) {
    if (point.connection != null) {
      return point.connection;
    }
    ForwardedConnection candidate = connections.get(point.clientPort);
    // Accepted after the client began connecting: this call's connection, not an older one.
    return candidate != null && candidate.acceptedAt - point.connectingSince > 0 ? candidate : null;
  }

  /** Stops accepting, closes every stream. Idempotent; never throws. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (accepting != null) {
      accepting.cancel();
      LIVE.decrementAndGet();
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("Closing the tunnel's listener failed", e);
    }
    connections.values().forEach(ForwardedConnection::finish);
  }

  @Override
  public void accepted(SocketChannel socket, InetSocketAddress remote) {
    ForwardedConnection connection = new ForwardedConnection(socket, remote.getPort());
    synchronized (lock) {
      if (closed) {
        connection.finish();
        return;
      }
      pruneFinished();
      connections.put(connection.clientPort, connection);
    }
    try {
      connection.attach(openStream(connection));
    } catch (RuntimeException | MalformedURLException e) {
      remember(e.toString());
      connection.finish();
    }
  }

  @Override
  public void failed(IOException error) {
    if (!closed) {
      LOG.warn("Tunnel to pod {}/{} stopped accepting connections: {}", namespace, podName,
          error.toString());
      remember(error.toString());
    }
    close();
  }

  private PortForward openStream(ForwardedConnection connection) throws MalformedURLException {
    return Fabric8PortForward.open(client, namespace, podName, podPort, connection.channel,
        connection.channel, connection);
  }

  private void pruneFinished() {
    long now = System.nanoTime();
    connections.values().removeIf(c -> c.finished && now - c.finishedAt > FINISHED_RECORD_NANOS);
  }

  private void remember(String error) {
    synchronized (recentErrors) {
      if (recentErrors.size() == MAX_ERRORS_KEPT) {
        recentErrors.removeFirst();
      }
      recentErrors.addLast(error);
    }
  }

  private record Checkpoint(int clientPort, ForwardedConnection connection, long takenBefore,
      long connectingSince) {
  }

  /** What became of a stream, from the tunnel's side. */
  private enum EndKind {
    /** The WebSocket upgrade failed: no such pod, no permission, API server unreachable. */
    NEVER_OPENED(true),
    /** The API server reported it could not forward to the pod's port before any answer. */
    FORWARD_FAILED(true),
    /** The stream ended while the client still used the connection. */
    BROKE(false),
    /** The client closed the connection, or the router closed an idle one. */
    CLOSED(false);

    final boolean routerMayBeMissing;

    EndKind(boolean routerMayBeMissing) {
      this.routerMayBeMissing = routerMayBeMissing;
    }
  }

  private record StreamEnd(EndKind kind, String account) {
  }

  /** One local connection and its port-forward stream. */
  private final class ForwardedConnection implements Fabric8PortForward.Observer {
    final SocketChannel socket;
    final int clientPort;
    final long acceptedAt = System.nanoTime();
    /** Bytes read off the socket by the stream: the most that can have been sent on. */
    final AtomicLong taken = new AtomicLong();
    /** Bytes of the pod's written to the socket. */
    final AtomicLong given = new AtomicLong();
    volatile boolean reading;
    volatile boolean finished;
    volatile long finishedAt;
    private volatile boolean clientDone;
    private volatile WebSocket webSocket;
    /** The WebSocket closed or failed: nothing queued on it will be sent any more. */
    private volatile boolean streamOver;
    private volatile Throwable streamError;
    /** The close code the API server sent, 0 if it sent none. */
    private volatile int remoteCloseCode;
    private volatile String remoteCloseReason;
    private PortForward forward;

    /**
     * The socket as the port-forward sees it: what it reads goes to the router, what it writes
     * came back. Closing it, from either side, finishes the connection.
     */
    final ByteChannel channel = new ByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        awaitSendRoom();
        reading = true;
        try {
          int n = socket.read(dst);
          if (n > 0) {
            taken.addAndGet(n);
          } else if (n < 0) {
            clientClosed();
          }
          return n;
        } finally {
          reading = false;
        }
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        int n = socket.write(src);
        given.addAndGet(n);
        return n;
      }

      @Override
      public boolean isOpen() {
        return socket.isOpen();
      }

      @Override
      public void close() {
        finish();
      }
    };

    ForwardedConnection(SocketChannel socket, int clientPort) {
      this.socket = socket;
      this.clientPort = clientPort;
    }

    @Override
    public void opened(WebSocket ws) {
      webSocket = ws;
    }

    @Override
    public void closed(int code, String reason) {
      remoteCloseReason = reason;
      remoteCloseCode = code;
      streamOver = true;
    }

    @Override
    public void failed(Throwable error) {
      if (streamError == null) {
        streamError = error;
      }
      streamOver = true;
    }

    /**
     * Waits while the WebSocket holds more than {@link #SEND_QUEUE_HIGH} bytes, until it holds
     * less than {@link #SEND_QUEUE_LOW}. OkHttp tells no one when its queue drains, so this
     * polls, with pauses growing up to {@link #MAX_PAUSE_NANOS}: short against the time the
     * queue takes to drain from high to low.
     */
    private void awaitSendRoom() throws InterruptedIOException {
      WebSocket ws = webSocket;
      if (ws == null || ws.queueSize() < SEND_QUEUE_HIGH) {
        return;
      }
      long pause = MIN_PAUSE_NANOS;
      while (ws.queueSize() > SEND_QUEUE_LOW && !streamOver && !finished) {
        LockSupport.parkNanos(this, pause);
        if (Thread.interrupted()) {
          // fabric8 stops its pump this way when the stream ends.
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while the port-forward stream drained");
        }
        pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
      }
    }

    void attach(PortForward forward) {
      boolean closeNow;
      synchronized (this) {
        this.forward = forward;
        closeNow = finished || clientDone;
      }
      if (closeNow) {
        if (finished) {
          rememberErrors(forward);
        }
        closeStream(forward);
      }
    }

    /** The client closed its end: end the stream rather than wait for the server to. */
    private void clientClosed() {
      PortForward f;
      synchronized (this) {
        clientDone = true;
        f = forward;
      }
      if (f != null) {
        closeStream(f);
      }
    }

    /** Marks the connection finished before closing its socket: the client must never see
     * the close before the record says so. */
    void finish() {
      PortForward f;
      synchronized (this) {
        if (finished) {
          return;
        }
        finishedAt = System.nanoTime();
        finished = true;
        f = forward;
      }
      lastEnded = this;
      try {
        socket.close();
      } catch (IOException e) {
        LOG.debug("Closing a tunnel connection failed", e);
      }
      if (f != null) {
        rememberErrors(f);
        closeStream(f);
      }
    }

    /** How the stream ended; meaningful once {@link #finished}. */
    StreamEnd end() {
      PortForward f;
      synchronized (this) {
        f = forward;
      }
      String stream = "The port-forward stream to pod " + namespace + "/" + podName + " port " + podPort;
      Throwable error = streamError;
      if (webSocket == null) {
        if (error == null && (clientDone || closed)) {
          return new StreamEnd(EndKind.CLOSED, stream + " was closed before it opened");
        }
        return new StreamEnd(EndKind.NEVER_OPENED, stream + " never opened"
            + (error != null ? ": " + error : ""));
      }
      // What the API server reported in the stream (its error channel), apart from transport
      // failures, which are the stream's own error.
      String reported = null;
      String local = null;
      if (f != null) {
        for (Throwable t : f.getServerThrowables()) {
          if (t != error) {
            reported = t.getMessage();
          }
        }
        for (Throwable t : f.getClientThrowables()) {
          local = t.toString();
        }
      }
      if (reported != null && given.get() == 0) {
        return new StreamEnd(EndKind.FORWARD_FAILED, "The API server could not forward to port "
            + podPort + " of pod " + namespace + "/" + podName + ": " + reported);
      }
      if (clientDone && error == null && reported == null) {
        return new StreamEnd(EndKind.CLOSED, null);
      }
      int code = remoteCloseCode;
      String reason = remoteCloseReason;
      String why = error != null ? error.toString()
          : reported != null ? "the API server reported: " + reported
          : code != 0 ? "closed by the API server (code " + code
              + (reason == null || reason.isEmpty() ? "" : ", " + reason) + ")"
          : local != null ? local
          : closed ? "the tunnel was closed" : "it closed without an error";
      // 1000 is a normal close: the router closed the connection, as it does with idle ones.
      EndKind kind = error == null && reported == null && code == 1000 ? EndKind.CLOSED : EndKind.BROKE;
      return new StreamEnd(kind, stream + " closed mid-transfer after " + taken.get()
          + " bytes sent and " + given.get() + " received: " + why);
    }

    private void rememberErrors(PortForward f) {
      if (f.errorOccurred()) {
        f.getServerThrowables().forEach(t -> remember(t.toString()));
        f.getClientThrowables().forEach(t -> remember(t.toString()));
      }
    }

    private void closeStream(PortForward f) {
      try {
        f.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("Closing a port-forward stream failed", e);
      }
    }
  }

  /** What a user can do when the tunnel does not work. */
  public static String hint(String routerNamespace) {
    return "Is the sandbox router deployed (Service '" + ConnectionMode.Tunnel.ROUTER_SERVICE
        + "' in namespace '" + routerNamespace + "')? If it runs elsewhere use "
        + "ConnectionMode.tunnel(\"<router namespace>\"), or ConnectionMode.direct(\"<router url>\") "
        + "when it is reachable by URL";
  }
}
