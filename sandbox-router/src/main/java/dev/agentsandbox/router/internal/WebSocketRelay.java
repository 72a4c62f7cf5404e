package dev.agentsandbox.router.internal;

import dev.agentsandbox.router.RouterOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes WebSocket upgrades through to a sandbox. The handshake goes to the sandbox with the
 * same header policy as any request (no {@code X-Sandbox-*}, credential or hop-by-hop headers,
 * and no {@code Origin}); when the sandbox answers {@code 101}, the two connections are joined
 * and bytes flow both ways untouched, so subprotocols, extensions and pings stay between the
 * client and the sandbox. Any other answer is passed back as an ordinary response.
 *
 * <p>Limits: connections per client address (the {@code 403} answer over it is the reference
 * router's), an idle timeout (no bytes either way) and a maximum lifetime; a connection past
 * either is closed. Runs on the server's event loop and never blocks.
 */
final class WebSocketRelay {
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketRelay.class);

  private final Vertx vertx;
  private final HttpClient client;
  private final RouterOptions options;
  private final ClientConnectionLimit limit;

  /**
   * Creates the relay.
   *
   * @param vertx for the idle and lifetime timers
   * @param client client for the handshakes with sandboxes, owned by the caller
   * @param options the router's configuration: the connect timeout, the WebSocket limits and
   *     the upstream credentials
   */
  WebSocketRelay(Vertx vertx, HttpClient client, RouterOptions options) {
    this.vertx = vertx;
    this.client = client;
    this.options = options;
    this.limit = new ClientConnectionLimit(options.webSocketMaxConnectionsPerClient());
  }

  /**
   * True if the request asks for a WebSocket upgrade: a GET with {@code Upgrade: websocket} and
   * {@code upgrade} among its {@code Connection} options. Any other request is forwarded as
   * plain HTTP, without its {@code Upgrade} header.
   */
  static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return request.method() == HttpMethod.GET && upgrade != null && upgrade.strip().equalsIgnoreCase("websocket")
        && hasUpgradeToken(request.headers());
  }

  /** Relays a WebSocket upgrade whose routing headers and target are already validated. */
  void relay(HttpServerRequest request, RouteRequest route, UpstreamTarget target, String uri) {
    if (request.headers().contains(HttpHeaders.CONTENT_LENGTH) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      ProxyHandler.reply(request, 400, "A WebSocket upgrade request must not have a body");
      return;
    }
    SocketAddress peer = request.remoteAddress();
    String clientKey = peer == null || peer.hostAddress() == null ? "unknown" : peer.hostAddress();
    if (!limit.tryAcquire(clientKey)) {
      LOG.debug("Refusing a WebSocket connection from {}: it holds {} already", clientKey, limit.max());
      ProxyHandler.reply(request, 403, "Too many concurrent WebSocket connections (limit: " + limit.max() + ").");
      return;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        limit.release(clientKey);
      }
    };
    MultiMap headers = HttpHeaders.headers();
    ForwardedHeaders.copyUpgradeRequestHeaders(request.headers(), headers);
    ProxyHandler.present(options.upstreamCredentials(), target, headers);
    // Its idle timeout bounds the handshake only: Vert.x stops that timer when the answer's head
    // arrives.
    RequestOptions requestOptions = ProxyHandler.upstreamRequest(HttpMethod.GET, route, target, uri, headers,
        options.connectTimeout().toMillis());
    request.pause();
    client.request(requestOptions).onComplete(connected -> {
      if (connected.failed()) {
        release.run();
        ProxyHandler.failed(request, route, connected.cause(), true);
        return;
      }
      HttpClientRequest upstream = connected.result();
      if (request.response().closed()) {
        release.run();
        upstream.reset();
        return;
      }
      upstream.connect().onComplete(answered -> {
        if (answered.failed()) {
          release.run();
          ProxyHandler.failed(request, route, answered.cause(), false);
        } else if (answered.result().statusCode() != 101) {
          // The sandbox declined (no WebSocket at this path, say): an ordinary answer.
          release.run();
          ProxyHandler.relay(request, upstream, answered.result());
        } else {
          upgrade(request, route, upstream, answered.result(), release);
        }
      });
      upstream.end();
      request.resume();
    });
  }

  private void upgrade(HttpServerRequest request, RouteRequest route, HttpClientRequest upstream,
      HttpClientResponse answer, Runnable release) {
    // Take the socket at once and hold its data until the client's side is ready.
    NetSocket sandboxSide = answer.netSocket();
    sandboxSide.pause();
    // Closing the sandbox's connection also frees the client's place under the limit.
    Runnable dropSandboxSide = () -> {
      upstream.connection().close();
      release.run();
    };
    HttpServerResponse response = request.response();
    String protocol = answer.getHeader(HttpHeaders.UPGRADE);
    if (protocol == null || !protocol.strip().equalsIgnoreCase("websocket")) {
      dropSandboxSide.run();
      ProxyHandler.reply(request, 502, "The backend sandbox " + route.sandboxId()
          + " switched to a protocol other than WebSocket");
      return;
    }
    if (response.closed()) {
      dropSandboxSide.run();
      return;
    }
    response.setStatusCode(101);
    ForwardedHeaders.copyUpgradeResponseHeaders(answer.headers(), response.headers());
    request.toNetSocket().onComplete(switched -> {
      if (switched.failed()) {
        LOG.debug("Could not switch the client connection for sandbox {}/{}: {}", route.namespace(),
            route.sandboxId(), switched.cause().toString());
        dropSandboxSide.run();
        return;
      }
      LOG.debug("WebSocket to sandbox {}/{} open", route.namespace(), route.sandboxId());
      new Splice(switched.result(), sandboxSide, dropSandboxSide, route).start();
    });
  }

  private static boolean hasUpgradeToken(MultiMap headers) {
    for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String token : value.split(",")) {
        if (token.strip().equalsIgnoreCase("upgrade")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Two joined connections: bytes both ways with backpressure, closed together. */
  private final class Splice {
    private final NetSocket clientSide;
    private final NetSocket sandboxSide;
    private final Runnable dropSandboxSide;
    private final RouteRequest route;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile long lastActivity = System.nanoTime();
    private long idleTimer = -1;
    private long lifetimeTimer = -1;

    /** Joins the two sides; {@code dropSandboxSide} closes the sandbox's side and frees its place. */
    Splice(NetSocket clientSide, NetSocket sandboxSide, Runnable dropSandboxSide, RouteRequest route) {
      this.clientSide = clientSide;
      this.sandboxSide = sandboxSide;
      this.dropSandboxSide = dropSandboxSide;
      this.route = route;
    }

    void start() {
      pump(clientSide, sandboxSide);
      pump(sandboxSide, clientSide);
      clientSide.closeHandler(ignored -> finish("client closed"));
      sandboxSide.closeHandler(ignored -> finish("sandbox closed"));
      clientSide.exceptionHandler(error -> finish("client connection failed: " + error));
      sandboxSide.exceptionHandler(error -> finish("sandbox connection failed: " + error));
      long idleTimeoutMillis = options.webSocketIdleTimeout().toMillis();
      long maxLifetimeMillis = options.webSocketMaxLifetime().toMillis();
      if (idleTimeoutMillis > 0) {
        idleTimer = vertx.setTimer(idleTimeoutMillis, this::checkIdle);
      }
      if (maxLifetimeMillis > 0) {
        lifetimeTimer = vertx.setTimer(maxLifetimeMillis, id -> finish("max lifetime exceeded"));
      }
      sandboxSide.resume();
    }

    private void pump(NetSocket from, NetSocket to) {
      from.handler((Buffer data) -> {
        lastActivity = System.nanoTime();
        to.write(data);
        if (to.writeQueueFull()) {
          from.pause();
          to.drainHandler(ignored -> from.resume());
        }
      });
      // A half-close ends the exchange: WebSocket has no use for one.
      from.endHandler(ignored -> finish("end of stream"));
    }

    private void checkIdle(long id) {
      if (finished.get()) {
        return;
      }
      long idleMillis = (System.nanoTime() - lastActivity) / 1_000_000;
      long idleTimeoutMillis = options.webSocketIdleTimeout().toMillis();
      if (idleMillis >= idleTimeoutMillis) {
        finish("idle timeout exceeded");
      } else {
        idleTimer = vertx.setTimer(idleTimeoutMillis - idleMillis, this::checkIdle);
      }
    }

    private void finish(String reason) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      LOG.debug("WebSocket to sandbox {}/{} closed: {}", route.namespace(), route.sandboxId(), reason);
      if (idleTimer >= 0) {
        vertx.cancelTimer(idleTimer);
      }
      if (lifetimeTimer >= 0) {
        vertx.cancelTimer(lifetimeTimer);
      }
      clientSide.close();
      dropSandboxSide.run();
    }
  }
}
