package dev.agentsandbox.local.internal;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded API server's listener: HTTP/1.1 on 127.0.0.1 (HTTPS with a self-signed
 * certificate when asked), handing each request to the {@link LocalApiDispatcher}. A WebSocket
 * upgrade (a watch, a port-forward) is accepted when the dispatcher answers it with a listener;
 * a watch without an upgrade, as kubectl and the Python client send it, is a streamed response
 * of one JSON event per line, as a kube-apiserver sends it.
 */
final class ApiHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHttpServer.class);
  /** A kube-apiserver's default limit on a request body. */
  static final int MAX_REQUEST_BODY = 3 * 1024 * 1024;
  private static final List<String> WEBSOCKET_PROTOCOLS = List.of(SpdyPortForward.TUNNEL_PROTOCOL,
      "v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "v1.channel.k8s.io");
  private static final Pattern WATCH_PARAM = Pattern.compile("(^|&)watch=(true|True|TRUE|1)(&|$)");
  private static final Pattern WATCH_VALUE = Pattern.compile("([?&])watch=(?:True|TRUE|1)(?=&|$)");
  private static final Pattern TIMEOUT_PARAM = Pattern.compile("(?:^|&)timeoutSeconds=(\\d{1,9})(?:&|$)");

  private final Vertx vertx;
  private final HttpServer server;
  private final SelfSignedCertificate certificate;
  private final LocalApiDispatcher dispatcher;
  private final PodLogEndpoint logs;

  private ApiHttpServer(Vertx vertx, HttpServer server, SelfSignedCertificate certificate,
      LocalApiDispatcher dispatcher) {
    this.vertx = vertx;
    this.server = server;
    this.certificate = certificate;
    this.dispatcher = dispatcher;
    this.logs = new PodLogEndpoint(dispatcher);
  }

  /** Listens on 127.0.0.1 and an ephemeral port; with {@code tls}, over HTTPS. */
  static ApiHttpServer start(LocalApiDispatcher dispatcher, boolean tls) {
    Vertx vertx = Vertx.vertx();
    SelfSignedCertificate certificate = tls ? SelfSignedCertificate.create("localhost") : null;
    HttpServerOptions options = new HttpServerOptions()
        .setHost(InetAddress.getLoopbackAddress().getHostAddress())
        .setPort(0)
        .setWebSocketSubProtocols(WEBSOCKET_PROTOCOLS)
        .setHandle100ContinueAutomatically(true);
    if (certificate != null) {
      options.setSsl(true).setKeyCertOptions(certificate.keyCertOptions());
    }
    HttpServer server = vertx.createHttpServer(options);
    ApiHttpServer api = new ApiHttpServer(vertx, server, certificate, dispatcher);
    server.requestHandler(api::handle);
    try {
      server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return api;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      api.close();
      throw new IllegalStateException("the embedded API server could not listen: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      api.close();
      throw new IllegalStateException("interrupted while the embedded API server started", e);
    }
  }

  /** The port it listens on. */
  int port() {
    return server.actualPort();
  }

  /** The server's Vert.x instance, whose event loop runs every request. */
  Vertx vertx() {
    return vertx;
  }

  private void handle(HttpServerRequest request) {
    if (isWebSocketUpgrade(request)) {
      upgrade(request);
      return;
    }
    if (SpdyPortForward.isSpdyUpgrade(request.getHeader("Connection"), request.getHeader("Upgrade"))) {
      spdyUpgrade(request);
      return;
    }
    BodyCollector body = new BodyCollector(request);
    request.handler(body::append);
    request.endHandler(ignored -> {
      if (body.tooLarge) {
        send(request.response(), ApiSurface.json(413, ApiSurface.statusBody(413, "RequestEntityTooLarge",
            "the request body is larger than " + MAX_REQUEST_BODY + " bytes")));
        return;
      }
      RecordedRequest recorded = recorded(request, request.uri(), body.bytes());
      Matcher log = PodLogEndpoint.PATH.matcher(request.path());
      if (recorded == null) {
        send(request.response(), badRequest(request));
      } else if (request.method() == io.vertx.core.http.HttpMethod.GET && watchRequested(request.uri())) {
        watch(request, recorded);
      } else if (request.method() == io.vertx.core.http.HttpMethod.GET && log.matches()) {
        logs.handle(recorded, log, request.response(), ApiHttpServer::send);
      } else {
        send(request.response(), dispatcher.dispatch(recorded));
      }
    });
    request.exceptionHandler(e -> LOG.debug("Request {} {} failed: {}", request.method(), request.path(), e.toString()));
  }

  private void upgrade(HttpServerRequest request) {
    // A watch asked for as the Python client asks ("watch=True") is the same watch.
    String uri = WATCH_VALUE.matcher(request.uri()).replaceFirst("$1watch=true");
    whenAccepted(request, uri, (recorded, response) -> request.toWebSocket()
        .onSuccess(webSocket -> LocalWebSocket.attach(recorded, response.getWebSocketListener(), webSocket, response))
        .onFailure(e -> LOG.debug("WebSocket upgrade of {} failed: {}", request.path(), e.toString())));
  }

  /**
   * Dispatches an upgrade request; answers it when the dispatcher refuses it (or answers it
   * without a listener), else hands the request and the accepting response to {@code accepted}.
   */
  private void whenAccepted(HttpServerRequest request, String uri,
      BiConsumer<RecordedRequest, MockResponse> accepted) {
    RecordedRequest recorded = recorded(request, uri, new byte[0]);
    if (recorded == null) {
      send(request.response(), badRequest(request));
      return;
    }
    MockResponse response = dispatcher.dispatch(recorded);
    if (response.getWebSocketListener() == null) {
      send(request.response(), response);
      return;
    }
    accepted.accept(recorded, response);
  }

  /**
   * An upgrade to SPDY/3.1, as kubectl asks for a port-forward: answered with 101 and the
   * negotiated protocol when the dispatcher accepts it, then served on the connection itself.
   */
  private void spdyUpgrade(HttpServerRequest request) {
    whenAccepted(request, request.uri(), (recorded, response) -> spdyAccepted(request, response.getWebSocketListener()));
  }

  private void spdyAccepted(HttpServerRequest request, WebSocketListener listener) {
    if (!(listener instanceof SpdyService service)) {
      send(request.response(), ApiSurface.json(400, ApiSurface.statusBody(400, "BadRequest",
          "unable to upgrade: " + request.path() + " is not served over SPDY")));
      return;
    }
    // Vert.x hands over the connection of a GET upgrade only; kubectl's is a POST. The upgrade
    // is answered as Vert.x answers one, on the connection, before it becomes a plain socket.
    if (!(request.connection() instanceof Http1xServerConnection connection)) {
      send(request.response(), ApiSurface.json(400, ApiSurface.statusBody(400, "BadRequest",
          "unable to upgrade: SPDY/3.1 is served over HTTP/1.1 only")));
      return;
    }
    DefaultFullHttpResponse switching =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    switching.headers()
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
        .set(HttpHeaderNames.UPGRADE, SpdyPortForward.SPDY_UPGRADE)
        .set("X-Stream-Protocol-Version", service.protocol());
    connection.writeToChannel(switching);
    connection.netSocket()
        .onSuccess(service::serve)
        .onFailure(e -> {
          LOG.debug("SPDY upgrade of {} failed: {}", request.path(), e.toString());
          connection.close();
        });
  }

  /**
   * The WebSocket subprotocol the server chooses among those a client offers in
   * {@code Sec-WebSocket-Protocol}: the first it serves, as the WebSocket handshake chooses it;
   * null if none.
   */
  static String negotiatedSubprotocol(String offered) {
    if (offered == null) {
      return null;
    }
    for (String protocol : offered.split(",")) {
      String trimmed = protocol.trim();
      if (WEBSOCKET_PROTOCOLS.contains(trimmed)) {
        return trimmed;
      }
    }
    return null;
  }

  private void watch(HttpServerRequest request, RecordedRequest recorded) {
    HttpServerResponse response = request.response();
    HttpWatchStream stream = new HttpWatchStream(response);
    MockResponse refused = dispatcher.watchOverHttp(recorded, stream);
    if (refused != null) {
      send(response, refused);
      return;
    }
    stream.open();
    Matcher timeout = TIMEOUT_PARAM.matcher(queryOf(request.uri()));
    if (timeout.find() && Long.parseLong(timeout.group(1)) > 0) {
      long timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(Long.parseLong(timeout.group(1))), id -> stream.end());
      stream.whenClosed(() -> vertx.cancelTimer(timer));
    }
  }

  /** Whether a request asks for a watch: {@code watch=true}, {@code True} or {@code 1}, as clients send it. */
  static boolean watchRequested(String uri) {
    return WATCH_PARAM.matcher(queryOf(uri)).find();
  }

  private static String queryOf(String uri) {
    int query = uri.indexOf('?');
    return query < 0 ? "" : uri.substring(query + 1);
  }

  private static boolean isWebSocketUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
  }

  /** The request as the dispatcher reads it, or null when its method or target cannot be read. */
  private static RecordedRequest recorded(HttpServerRequest request, String uri, byte[] body) {
    HttpMethod method;
    try {
      method = HttpMethod.valueOf(request.method().name());
      URI.create(uri);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Headers.Builder headers = Headers.builder();
    for (Map.Entry<String, String> header : request.headers()) {
      headers.add(header.getKey(), header.getValue());
    }
    return new RecordedRequest("HTTP/1.1", method, uri, headers.build(), new Buffer(body));
  }

  private static MockResponse badRequest(HttpServerRequest request) {
    return ApiSurface.json(400, ApiSurface.statusBody(400, "BadRequest",
        "the request " + request.method() + " could not be read"));
  }

  private static void send(HttpServerResponse response, MockResponse answer) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (answer.getWebSocketListener() != null) {
      // What the dispatcher serves only as a WebSocket, asked for without an upgrade.
      answer = ApiSurface.json(400, ApiSurface.statusBody(400, "BadRequest", "Upgrade request required"));
    }
    response.setStatusCode(answer.code());
    for (Map.Entry<String, List<String>> header : answer.getHeaders().toMultimap().entrySet()) {
      response.putHeader(header.getKey(), header.getValue());
    }
    Buffer body = answer.getBody();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    response.end(io.vertx.core.buffer.Buffer.buffer(bytes));
  }

  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("The embedded API server did not close cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      vertx.close();
      if (certificate != null) {
        certificate.delete(); // its key and certificate files
      }
    }
  }

  /** A request body up to {@link #MAX_REQUEST_BODY}; what is beyond is read and dropped. */
  private static final class BodyCollector {
    private final HttpServerRequest request;
    private io.vertx.core.buffer.Buffer buffer;
    private boolean tooLarge;

    BodyCollector(HttpServerRequest request) {
      this.request = request;
    }

    void append(io.vertx.core.buffer.Buffer chunk) {
      if (tooLarge) {
        return;
      }
      if (buffer == null) {
        buffer = io.vertx.core.buffer.Buffer.buffer();
      }
      if (buffer.length() + chunk.length() > MAX_REQUEST_BODY) {
        tooLarge = true;
        buffer = null;
        return;
      }
      buffer.appendBuffer(chunk);
    }

    byte[] bytes() {
      return buffer == null ? new byte[0] : buffer.getBytes();
    }
  }

  /** A watch's events as a streamed HTTP response: one JSON object per line. */
  private static final class HttpWatchStream implements LocalApiDispatcher.WatchStream {
    private final HttpServerResponse response;
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();
    private boolean opened;
    private boolean ended;

    HttpWatchStream(HttpServerResponse response) {
      this.response = response;
      response.closeHandler(ignored -> closed());
      response.endHandler(ignored -> closed());
    }

    private void closed() {
      for (Runnable action : closeActions) {
        action.run();
      }
      closeActions.clear();
    }

    synchronized void open() {
      if (!opened && !ended) {
        opened = true;
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
        response.writeHead();
      }
    }

    @Override
    public void whenClosed(Runnable action) {
      closeActions.add(action);
      if (response.closed() || response.ended()) {
        closed();
      }
    }

    @Override
    public synchronized void send(String event) {
      if (ended || response.closed()) {
        return;
      }
      open();
      response.write(event + "\n");
    }

    @Override
    public synchronized void end() {
      if (ended) {
        return;
      }
      open();
      ended = true;
      if (!response.closed()) {
        response.end();
      }
    }
  }
}
