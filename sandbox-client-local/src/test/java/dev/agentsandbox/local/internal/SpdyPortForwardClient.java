package dev.agentsandbox.local.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
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
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A test client of kubectl's port-forward protocol ({@code portforward.k8s.io} over SPDY/3.1),
 * framed by Netty's SPDY codec: over a connection upgraded to SPDY, or tunnelled in a WebSocket
 * (subprotocol {@code SPDY/3.1+portforward.k8s.io}). It opens streams as kubectl does and keeps
 * what arrives on each stream until read. Writes block until the transport took them.
 */
final class SpdyPortForwardClient implements AutoCloseable {
  static final int TIMEOUT_SECONDS = 30;
  private static final int CHUNK = 16 * 1024;
  private static final Object END = new Object();
  private static final Object RESET = new Object();

  private final Transport transport;
  /** Encodes only; its own compression state, as a SPDY endpoint's sending side has. */
  private final EmbeddedChannel encoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
  /** Decodes only, on the transport's reading thread. */
  private final EmbeddedChannel decoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
  private final Map<Integer, BlockingQueue<Object>> inboxes = new ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<Void>> replies = new ConcurrentHashMap<>();
  private final BlockingQueue<Integer> pings = new LinkedBlockingQueue<>();
  private int nextStreamId = 1;

  private SpdyPortForwardClient(Transport transport) {
    this.transport = transport;
  }

  /** The response to an upgrade request: status and headers (names in lower case). */
  record Upgrade(int status, Map<String, String> headers, String body) {
  }

  /**
   * Upgrades an HTTP/1.1 connection to {@code path} to SPDY/3.1, as kubectl asks ({@code POST},
   * {@code Upgrade: SPDY/3.1}, {@code X-Stream-Protocol-Version: portforward.k8s.io}).
   *
   * @param answer receives the server's response head (and body, when it refused)
   * @return the client, or null when the server did not switch protocols
   */
  static SpdyPortForwardClient upgrade(int port, String path, String token, CompletableFuture<Upgrade> answer)
      throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    OutputStream out = socket.getOutputStream();
    String request = "POST " + path + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
        + "Connection: Upgrade\r\n"
        + "Upgrade: SPDY/3.1\r\n"
        + "X-Stream-Protocol-Version: portforward.k8s.io\r\n"
        + "Content-Length: 0\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    socket.setSoTimeout(TIMEOUT_SECONDS * 1000);
    Upgrade head = readHead(in);
    socket.setSoTimeout(0);
    if (head.status() != 101) {
      String length = head.headers().get("content-length");
      byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
      socket.close();
      answer.complete(new Upgrade(head.status(), head.headers(), new String(body, StandardCharsets.UTF_8)));
      return null;
    }
    answer.complete(head);
    SocketTransport transport = new SocketTransport(socket);
    SpdyPortForwardClient client = new SpdyPortForwardClient(transport);
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          client.received(Unpooled.wrappedBuffer(buffer.clone(), 0, n));
        }
      } catch (IOException e) {
        // closed
      }
      client.transportClosed();
    }, "spdy-test-client-reader");
    reader.setDaemon(true);
    reader.start();
    return client;
  }

  /** Opens a WebSocket to {@code path} whose binary messages carry a SPDY/3.1 session. */
  static SpdyPortForwardClient tunnel(Vertx vertx, int port, String path, String token) throws Exception {
    HttpClient http = vertx.createHttpClient();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI(path).addSubProtocol(SpdyPortForward.TUNNEL_PROTOCOL)
        .putHeader("Authorization", "Bearer " + token);
    WebSocket ws = http.webSocket(options).toCompletionStage().toCompletableFuture()
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!SpdyPortForward.TUNNEL_PROTOCOL.equals(ws.subProtocol())) {
      throw new IllegalStateException("negotiated subprotocol: " + ws.subProtocol());
    }
    SpdyPortForwardClient client = new SpdyPortForwardClient(new WebSocketTransport(http, ws));
    ws.handler(data -> client.received(Unpooled.wrappedBuffer(data.getBytes())));
    ws.closeHandler(v -> client.transportClosed());
    return client;
  }

  private static Upgrade readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection ended in the response head: " + head);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    return new Upgrade(status, headers, "");
  }

  /**
   * Opens a stream as kubectl does for a forwarded connection and waits for the server's reply.
   *
   * @return the stream's ID
   */
  int openStream(String type, int port, String requestId) throws Exception {
    int id;
    CompletableFuture<Void> reply = new CompletableFuture<>();
    synchronized (this) {
      id = nextStreamId;
      nextStreamId += 2;
      inboxes.put(id, new LinkedBlockingQueue<>());
      replies.put(id, reply);
      SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
      syn.headers().set("streamtype", type);
      syn.headers().set("port", Integer.toString(port));
      if (requestId != null) {
        syn.headers().set("requestid", requestId);
      }
      send(syn);
    }
    reply.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return id;
  }

  /** Sends {@code bytes} on a stream, in frames of at most 16 KiB. */
  void write(int streamId, byte[] bytes) throws IOException {
    for (int offset = 0; offset < bytes.length; offset += CHUNK) {
      int length = Math.min(CHUNK, bytes.length - offset);
      send(new DefaultSpdyDataFrame(streamId, Unpooled.wrappedBuffer(bytes, offset, length)));
    }
  }

  /** Ends the client's side of a stream. */
  void finish(int streamId) throws IOException {
    DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(streamId);
    fin.setLast(true);
    send(fin);
  }

  /** Resets a stream, as kubectl does once the server ended a data stream. */
  void reset(int streamId) throws IOException {
    send(new DefaultSpdyRstStreamFrame(streamId, SpdyStreamStatus.CANCEL));
  }

  /** Sends a ping and waits for the server to answer it. */
  void ping(int id) throws Exception {
    send(new DefaultSpdyPingFrame(id));
    Integer answered = pings.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (answered == null || answered != id) {
      throw new IllegalStateException("ping " + id + " answered with " + answered);
    }
  }

  /** The next {@code length} bytes that arrive on a stream. */
  byte[] read(int streamId, int length) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(length);
    BlockingQueue<Object> inbox = inboxes.get(streamId);
    while (out.size() < length) {
      Object next = take(inbox, streamId);
      if (!(next instanceof byte[] bytes)) {
        throw new IllegalStateException("stream " + streamId + " ended after " + out.size() + " bytes");
      }
      out.write(bytes);
    }
    if (out.size() > length) {
      throw new IllegalStateException("stream " + streamId + " carried more than " + length + " bytes");
    }
    return out.toByteArray();
  }

  /** Everything that arrives on a stream until the server ends it. */
  byte[] readToEnd(int streamId) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BlockingQueue<Object> inbox = inboxes.get(streamId);
    for (Object next = take(inbox, streamId); next != END; next = take(inbox, streamId)) {
      if (next == RESET) {
        throw new IllegalStateException("stream " + streamId + " was reset");
      }
      out.write((byte[]) next);
    }
    inbox.add(END);
    return out.toByteArray();
  }

  private static Object take(BlockingQueue<Object> inbox, int streamId) throws Exception {
    Object next = inbox.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (next == null) {
      throw new TimeoutException("nothing arrived on stream " + streamId + " in " + TIMEOUT_SECONDS + " s");
    }
    return next;
  }

  private synchronized void send(SpdyFrame frame) throws IOException {
    encoder.writeOutbound(frame);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (Object o = encoder.readOutbound(); o != null; o = encoder.readOutbound()) {
      ByteBuf buf = (ByteBuf) o;
      try {
        byte[] chunk = new byte[buf.readableBytes()];
        buf.readBytes(chunk);
        bytes.write(chunk);
      } finally {
        buf.release();
      }
    }
    transport.write(bytes.toByteArray());
  }

  /** Bytes from the server; on the transport's one reading thread. */
  private void received(ByteBuf bytes) {
    decoder.writeInbound(bytes);
    for (Object frame = decoder.readInbound(); frame != null; frame = decoder.readInbound()) {
      try {
        handle(frame);
      } finally {
        ReferenceCountUtil.release(frame);
      }
    }
  }

  private void handle(Object frame) {
    if (frame instanceof SpdySynReplyFrame reply) {
      CompletableFuture<Void> waiting = replies.get(reply.streamId());
      if (waiting != null) {
        waiting.complete(null);
      }
    } else if (frame instanceof SpdyDataFrame data) {
      BlockingQueue<Object> inbox = inboxes.get(data.streamId());
      if (inbox == null) {
        return;
      }
      if (data.content().isReadable()) {
        byte[] bytes = new byte[data.content().readableBytes()];
        data.content().getBytes(data.content().readerIndex(), bytes);
        inbox.add(bytes);
      }
      if (data.isLast()) {
        inbox.add(END);
      }
    } else if (frame instanceof SpdyRstStreamFrame reset) {
      CompletableFuture<Void> waiting = replies.get(reset.streamId());
      if (waiting != null) {
        waiting.completeExceptionally(new IllegalStateException("stream " + reset.streamId() + " reset: "
            + reset.status()));
      }
      BlockingQueue<Object> inbox = inboxes.get(reset.streamId());
      if (inbox != null) {
        inbox.add(RESET);
      }
    } else if (frame instanceof SpdyPingFrame ping) {
      pings.add(ping.id());
    }
  }

  private void transportClosed() {
    for (CompletableFuture<Void> reply : replies.values()) {
      reply.completeExceptionally(new IllegalStateException("the connection closed"));
    }
    for (BlockingQueue<Object> inbox : inboxes.values()) {
      inbox.add(RESET);
    }
  }

  @Override
  public void close() throws Exception {
    transport.close();
    encoder.finishAndReleaseAll();
  }

  /** Where the client's bytes go. */
  private interface Transport {
    void write(byte[] bytes) throws IOException;

    void close() throws Exception;
  }

  private static final class SocketTransport implements Transport {
    private final Socket socket;

    SocketTransport(Socket socket) {
      this.socket = socket;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static final class WebSocketTransport implements Transport {
    private final HttpClient http;
    private final WebSocket ws;

    WebSocketTransport(HttpClient http, WebSocket ws) {
      this.http = http;
      this.ws = ws;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
      try {
        // Each write waits until it is on the wire: the server's flow control holds it back.
        ws.writeBinaryMessage(Buffer.buffer(bytes)).toCompletionStage().toCompletableFuture()
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IOException("WebSocket write failed", e);
      }
    }

    @Override
    public void close() throws Exception {
      try {
        ws.close().toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } finally {
        http.close();
      }
    }
  }
}
