package dev.agentsandbox.local.internal;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of kubectl's port-forward protocol, {@code portforward.k8s.io} over SPDY/3.1,
 * bridged to TCP connections to a pod's address. The SPDY session runs either on the connection
 * itself, after an HTTP/1.1 upgrade ({@code Upgrade: SPDY/3.1}, kubectl up to 1.30), or inside a
 * WebSocket whose binary messages carry its bytes (subprotocol
 * {@code SPDY/3.1+portforward.k8s.io}, kubectl from 1.31).
 *
 * <p>As a kubelet serves it: the client opens two streams for each connection it forwards, one
 * of type {@code error} and one of type {@code data}, both with headers {@code port} and
 * {@code requestID}; the server accepts each with a reply. Once a pair is complete, the server
 * connects to the port; the data stream's bytes go to and come from that connection, and a
 * failure is written, as text, on the error stream. The server ends both streams when the pod's
 * connection ends; the client ending its data stream half-closes the pod's connection. The
 * server answers the client's pings; SPDY framing is Netty's.
 *
 * <p>Flow control, both ways, through the transports' own queues (clients of this protocol send
 * no SPDY window updates): the session is not read while a pod's connection has a full write
 * queue (or is not connected yet), and pods' connections are not read while the session has a
 * full write queue.
 *
 * <p>To a runtime that requires an access token, every forwarded connection presents it in
 * every request, as {@link PortForwardBridge} does.
 */
final class SpdyPortForward extends WebSocketListener implements SpdyService {
  /** The port-forward protocol, as negotiated in {@code X-Stream-Protocol-Version}. */
  static final String PROTOCOL = "portforward.k8s.io";
  /** The WebSocket subprotocol of a SPDY session tunnelled in a WebSocket. */
  static final String TUNNEL_PROTOCOL = "SPDY/3.1+" + PROTOCOL;
  /** The {@code Upgrade} of the HTTP/1.1 upgrade to SPDY. */
  static final String SPDY_UPGRADE = "SPDY/3.1";

  private static final Logger LOG = LoggerFactory.getLogger(SpdyPortForward.class);
  private static final String ERROR = "error";
  private static final String DATA = "data";
  private static final int MAX_DATA_FRAME = 32 * 1024;
  private static final int MAX_EARLY_BYTES = 1024 * 1024;

  private final NetClient netClient;
  private final String host;
  private final String description;
  private final String accessToken;
  private Session session;

  /**
   * Port-forwards to {@code host}; {@code description} names the pod in errors; with an
   * {@code accessToken}, for HTTP requests only.
   */
  SpdyPortForward(NetClient netClient, String host, String description, String accessToken) {
    this.netClient = netClient;
    this.host = host;
    this.description = description;
    this.accessToken = accessToken;
  }

  /** Whether an upgrade request asks for SPDY/3.1 ({@code Connection: Upgrade}, {@code Upgrade: SPDY/3.1}). */
  static boolean isSpdyUpgrade(String connection, String upgrade) {
    return connection != null && upgrade != null
        && connection.toLowerCase(Locale.ROOT).contains("upgrade")
        && upgrade.toLowerCase(Locale.ROOT).contains(SPDY_UPGRADE.toLowerCase(Locale.ROOT));
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  /** Serves the session on a connection upgraded to SPDY/3.1; runs on the connection's event loop. */
  @Override
  public void serve(NetSocket socket) {
    Session s = new Session(socket, socket, socket::close);
    session = s;
    socket.handler(s::receive);
    socket.closeHandler(v -> s.close());
    socket.exceptionHandler(e -> LOG.debug("Port-forward session to {}: {}", description, e.toString()));
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    if (!(webSocket instanceof LocalWebSocket local)) {
      LOG.warn("Port-forward to {} refused: the WebSocket ({}) gives no access to flow control",
          description, webSocket.getClass().getName());
      webSocket.close(1011, "no flow control");
      return;
    }
    ServerWebSocket ws = local.vertx();
    Session s = new Session(ws, ws, () -> ws.close((short) 1000, "port-forward ended"));
    session = s;
    // The session reads every data frame itself: no messages are assembled.
    ws.textMessageHandler(null);
    ws.binaryMessageHandler(null);
    ws.handler(s::receive);
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    closeSession();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    closeSession();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable error, Response response) {
    LOG.debug("Port-forward session to {}: {}", description, String.valueOf(error));
    closeSession();
  }

  private void closeSession() {
    if (session != null) {
      session.close();
    }
  }

  /** Half-closes a socket: what was written is sent, then the peer reads the end of the stream. */
  private static void halfCloseOf(NetSocket socket) {
    Channel channel = socket instanceof NetSocketInternal internal
        ? internal.channelHandlerContext().channel() : null;
    socket.write(Buffer.buffer()).onComplete(written -> {
      if (channel instanceof DuplexChannel duplex && channel.isActive()) {
        duplex.shutdownOutput();
      } else {
        socket.close();
      }
    });
  }

  /** One SPDY session: its streams, in pairs, and their pods' connections. Runs on one event loop. */
  private final class Session {
    private final ReadStream<Buffer> in;
    private final WriteStream<Buffer> out;
    private final Runnable closeTransport;
    private final EmbeddedChannel codec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final Map<Integer, Stream> streams = new HashMap<>();
    private final Map<String, Pair> incomplete = new HashMap<>();
    private final Set<Pair> live = new LinkedHashSet<>();
    /** Pods' connections not read until the session's write queue drains. */
    private final Set<Pair> waitingForSession = new LinkedHashSet<>();
    private int lastStreamId;
    /** How many pairs cannot take more bytes: the session is paused while there are any. */
    private int blocked;
    private boolean closed;

    Session(ReadStream<Buffer> in, WriteStream<Buffer> out, Runnable closeTransport) {
      this.in = in;
      this.out = out;
      this.closeTransport = closeTransport;
      out.drainHandler(v -> {
        List<Pair> resumed = new ArrayList<>(waitingForSession);
        waitingForSession.clear();
        for (Pair pair : resumed) {
          if (pair.pod != null && !pair.ended) {
            pair.pod.resume();
          }
        }
      });
    }

    void receive(Buffer bytes) {
      if (closed) {
        return;
      }
      try {
        codec.writeInbound(Unpooled.wrappedBuffer(bytes.getBytes()));
      } catch (RuntimeException e) {
        LOG.debug("Port-forward session to {} ends: {}", description, e.toString());
        closeTransport.run();
        close();
        return;
      }
      for (Object frame = codec.readInbound(); frame != null; frame = codec.readInbound()) {
        try {
          if (!closed) {
            handle(frame);
          }
        } finally {
          ReferenceCountUtil.release(frame);
        }
      }
    }

    private void handle(Object frame) {
      if (frame instanceof SpdySynStreamFrame syn) {
        open(syn);
      } else if (frame instanceof SpdyDataFrame data) {
        Stream stream = streams.get(data.streamId());
        if (stream == null) {
          return; // reset, or never accepted
        }
        if (stream.data && data.content().isReadable()) {
          stream.pair.toPod(Buffer.buffer(bytesOf(data.content())));
        }
        if (data.isLast()) {
          stream.remoteClosed = true;
          if (stream.data) {
            stream.pair.clientDone();
          }
          forgetIfDone(stream);
        }
      } else if (frame instanceof SpdyRstStreamFrame reset) {
        Stream stream = streams.remove(reset.streamId());
        if (stream != null) {
          stream.reset = true;
          stream.pair.end();
        }
      } else if (frame instanceof SpdyPingFrame ping && (ping.id() & 1) == 1) {
        send(new DefaultSpdyPingFrame(ping.id())); // the client's, not an answer to one of ours
      }
      // Settings, window updates (no flow control but TCP's), headers and GOAWAY need nothing:
      // a client that goes away closes the connection once its streams are done.
    }

    private void open(SpdySynStreamFrame syn) {
      int id = syn.streamId();
      if ((id & 1) == 0 || id <= lastStreamId) {
        send(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
        return;
      }
      lastStreamId = id;
      String type = syn.headers().getAsString("streamtype");
      int port = portOf(syn.headers().getAsString("port"));
      if (syn.isInvalid() || port < 0 || !(ERROR.equals(type) || DATA.equals(type))) {
        LOG.debug("Port-forward to {}: stream {} refused (streamType {}, port {})", description, id, type,
            syn.headers().getAsString("port"));
        send(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.REFUSED_STREAM));
        return;
      }
      String requestId = syn.headers().getAsString("requestid");
      if (requestId == null || requestId.isEmpty()) {
        // Clients older than request IDs open the error stream, then the data stream, each pair
        // at once: their stream IDs are consecutive, as kubelets pair them.
        requestId = Integer.toString(DATA.equals(type) ? id - 2 : id);
      }
      Pair pair = incomplete.computeIfAbsent(requestId, Pair::new);
      if ((DATA.equals(type) ? pair.dataStream : pair.errorStream) != null) {
        send(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
        pair.printError("error processing stream for request " + requestId + ": " + type
            + " stream already assigned");
        return;
      }
      Stream stream = new Stream(id, DATA.equals(type), pair);
      stream.remoteClosed = syn.isLast();
      streams.put(id, stream);
      SpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
      // Netty encodes a block of no headers as nothing at all, which Go's SPDY framer cannot
      // read: the reply carries the status a SPDY reply has.
      reply.headers().set(":status", "200");
      reply.headers().set(":version", "HTTP/1.1");
      send(reply);
      if (stream.data) {
        pair.dataStream = stream;
        pair.port = port;
      } else {
        pair.errorStream = stream;
      }
      if (pair.dataStream != null && pair.errorStream != null) {
        incomplete.remove(requestId);
        live.add(pair);
        pair.connect();
      }
    }

    void send(SpdyFrame frame) {
      if (closed) {
        ReferenceCountUtil.release(frame);
        return;
      }
      codec.writeOutbound(frame);
      Buffer encoded = Buffer.buffer();
      for (Object o = codec.readOutbound(); o != null; o = codec.readOutbound()) {
        ByteBuf buf = (ByteBuf) o;
        try {
          encoded.appendBytes(bytesOf(buf));
        } finally {
          buf.release();
        }
      }
      if (encoded.length() > 0) {
        out.write(encoded);
      }
    }

    void sendData(Stream stream, Buffer bytes, boolean last) {
      if (stream.reset || stream.localClosed) {
        return;
      }
      byte[] payload = bytes == null ? new byte[0] : bytes.getBytes();
      int offset = 0;
      do {
        // Frames (and so the tunnel's WebSocket messages) a client takes with its default limits.
        int length = Math.min(MAX_DATA_FRAME, payload.length - offset);
        DefaultSpdyDataFrame frame = new DefaultSpdyDataFrame(stream.id, Unpooled.wrappedBuffer(payload, offset, length));
        offset += length;
        frame.setLast(last && offset == payload.length);
        send(frame);
      } while (offset < payload.length);
      stream.localClosed = last;
      forgetIfDone(stream);
    }

    private void forgetIfDone(Stream stream) {
      if (stream.localClosed && stream.remoteClosed) {
        streams.remove(stream.id);
      }
    }

    void block(Pair pair) {
      if (!pair.blocked) {
        pair.blocked = true;
        if (blocked++ == 0) {
          in.pause();
        }
      }
    }

    void unblock(Pair pair) {
      if (pair.blocked) {
        pair.blocked = false;
        if (--blocked == 0 && !closed) {
          in.resume();
        }
      }
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      List<Pair> pairs = new ArrayList<>(live);
      pairs.addAll(incomplete.values());
      for (Pair pair : pairs) {
        pair.end();
      }
      streams.clear();
      incomplete.clear();
      codec.finishAndReleaseAll();
    }

    /** An error stream and a data stream: one forwarded connection. */
    private final class Pair {
      private final String requestId;
      private final RequestAuthorizer authorizer;
      private Stream errorStream;
      private Stream dataStream;
      private int port;
      private NetSocket pod;
      private List<Buffer> pending = new ArrayList<>();
      private int pendingBytes;
      private boolean connecting;
      private boolean clientDone;
      private boolean blocked;
      private boolean ended;

      Pair(String requestId) {
        this.requestId = requestId;
        this.authorizer = accessToken == null ? null : new RequestAuthorizer(accessToken);
      }

      void connect() {
        connecting = true;
        if (!pending.isEmpty()) {
          block(this);
        }
        netClient.connect(port, host).onComplete(result -> {
          if (result.failed()) {
            LOG.debug("Port-forward to {}:{} failed: {}", description, port, result.cause().toString());
            printError("error forwarding port " + port + " to pod " + description + ": "
                + result.cause().getMessage());
            end();
            return;
          }
          attach(result.result());
        });
      }

      private void attach(NetSocket connected) {
        if (ended || closed) {
          connected.close();
          return;
        }
        pod = connected;
        connected.handler(bytes -> {
          if (ended || closed) {
            return;
          }
          sendData(dataStream, bytes, false);
          if (out.writeQueueFull()) {
            connected.pause();
            waitingForSession.add(this);
          }
        });
        connected.drainHandler(v -> unblock(this));
        connected.closeHandler(v -> end());
        connected.exceptionHandler(e -> LOG.debug("Port-forward to {}:{}: {}", description, port, e.toString()));
        for (Buffer bytes : pending) {
          connected.write(bytes);
        }
        pending = null;
        if (clientDone) {
          halfCloseOf(connected);
        }
        if (!connected.writeQueueFull()) {
          unblock(this);
        }
      }

      void toPod(Buffer bytes) {
        if (ended) {
          return;
        }
        Buffer toSend = bytes;
        if (authorizer != null) {
          try {
            toSend = authorizer.rewrite(bytes.getBytes(), 0, bytes.length());
          } catch (IllegalArgumentException e) {
            LOG.debug("Port-forward to {}:{}: {}", description, port, e.getMessage());
            printError("port-forward to " + description + " carries HTTP requests only");
            end();
            return;
          }
        }
        if (pod == null) {
          pending.add(toSend);
          if (connecting) {
            block(this);
          } else if ((pendingBytes += toSend.length()) > MAX_EARLY_BYTES) {
            // Bytes before the pair's error stream: the session must be read on to get that
            // stream, so they are kept, up to a limit.
            printError("port-forward to " + description + ": more than " + MAX_EARLY_BYTES
                + " bytes sent before the error stream");
            end();
          }
          return;
        }
        pod.write(toSend);
        if (pod.writeQueueFull()) {
          block(this);
        }
      }

      /** The client sends no more: the pod reads the end of the stream once it has the rest. */
      void clientDone() {
        if (clientDone || ended) {
          return;
        }
        clientDone = true;
        if (pod != null) {
          halfCloseOf(pod);
        }
      }

      void printError(String message) {
        if (errorStream != null) {
          sendData(errorStream, Buffer.buffer(message.getBytes(StandardCharsets.UTF_8)), false);
        }
      }

      /** Ends the forwarded connection: the pod's connection is closed, both streams ended. */
      void end() {
        if (ended) {
          return;
        }
        ended = true;
        unblock(this);
        waitingForSession.remove(this);
        live.remove(this);
        incomplete.remove(requestId, this);
        if (pod != null) {
          pod.close();
        }
        pending = null;
        if (authorizer != null) {
          authorizer.close();
        }
        if (dataStream != null) {
          sendData(dataStream, null, true);
        }
        if (errorStream != null) {
          sendData(errorStream, null, true);
        }
      }
    }
  }

  /** One SPDY stream of a pair. */
  private static final class Stream {
    private final int id;
    private final boolean data;
    private final Session.Pair pair;
    private boolean localClosed;
    private boolean remoteClosed;
    private boolean reset;

    Stream(int id, boolean data, Session.Pair pair) {
      this.id = id;
      this.data = data;
      this.pair = pair;
    }
  }

  private static int portOf(String value) {
    if (value == null) {
      return -1;
    }
    try {
      int port = Integer.parseInt(value.trim());
      return port >= 1 && port <= 65535 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static byte[] bytesOf(ByteBuf buf) {
    byte[] bytes = new byte[buf.readableBytes()];
    buf.getBytes(buf.readerIndex(), bytes);
    return bytes;
  }
}
