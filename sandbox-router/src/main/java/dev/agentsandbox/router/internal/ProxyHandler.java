package dev.agentsandbox.router.internal;

import dev.agentsandbox.model.internal.RouterProtocol;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.router.RouterOptions;
import dev.agentsandbox.router.UpstreamCredentials;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles every request to the router: answers {@code GET /healthz}, checks the Bearer token
 * (when the router has one), validates the routing headers, and streams the exchange to the
 * sandbox through a pooled client, or hands a WebSocket upgrade to the {@link WebSocketRelay}.
 * Runs on the server's event loop and never blocks.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
  private static final String HEALTH_PATH = "/healthz";
  private static final String JSON = "application/json";

  private final HttpClient client;
  private final SandboxDirectory directory;
  private final RouterOptions options;
  private final BearerTokenCheck auth;
  private final RoutingHeaders routingHeaders;
  private final WebSocketRelay webSockets;

  /**
   * Creates the handler, with its {@link WebSocketRelay}.
   *
   * @param vertx for the timers of WebSocket connections
   * @param client pooled client for upstream requests, owned by the caller
   * @param directory the only source of upstream addresses
   * @param options the router's configuration: the token, routing defaults, timeouts, WebSocket
   *     limits and upstream credentials; without a token, requests are taken without one
   */
  public ProxyHandler(Vertx vertx, HttpClient client, SandboxDirectory directory, RouterOptions options) {
    this.client = client;
    this.directory = directory;
    this.options = options;
    this.auth = options.authToken() == null ? null : new BearerTokenCheck(options.authToken());
    this.routingHeaders = new RoutingHeaders(options.defaultNamespace(), options.upstreamTimeout().toMillis());
    this.webSockets = new WebSocketRelay(vertx, client, options);
  }

  @Override
  public void handle(HttpServerRequest request) {
    try {
      route(request);
    } catch (RuntimeException e) {
      // Vert.x would leave the request unanswered; answer it and keep the event loop going.
      LOG.warn("Could not handle {} {}: {}", request.method(), request.path(), e.toString());
      LOG.debug("Request handling failure", e);
      request.resume();
      reply(request, 500, "Internal router error");
    }
  }

  private void route(HttpServerRequest request) {
    if (request.method() == HttpMethod.GET && HEALTH_PATH.equals(request.path())) {
      health(request);
      return;
    }
    String rejected = auth == null ? null : auth.reject(request.headers());
    if (rejected != null) {
      unauthorized(request, rejected);
      return;
    }
    RouteRequest route;
    try {
      route = routingHeaders.parse(request.headers());
    } catch (InvalidHeaderException e) {
      reply(request, 400, e.getMessage());
      return;
    }
    String uri = upstreamUri(request);
    if (uri == null) {
      reply(request, 400, "The request target must be a path starting with '/'");
      return;
    }
    Sandbox sandbox = directory.find(route.namespace(), route.sandboxId());
    if (route.podIpHint() != null && sandbox != null && sandbox.getStatus() != null && LOG.isDebugEnabled()
        && UpstreamTarget.isForeignHint(sandbox.getStatus().podIPs(), route.podIpHint())) {
      LOG.debug("Ignoring pod IP hint {} for sandbox {}/{}: not one of its pod IPs", route.podIpHint(),
          route.namespace(), route.sandboxId());
    }
    Optional<UpstreamTarget> target = UpstreamTarget.resolve(sandbox, route.port(), route.podIpHint(),
        options.clusterDomain());
    if (target.isEmpty()) {
      LOG.debug("No address for sandbox {}/{} (known: {})", route.namespace(), route.sandboxId(), sandbox != null);
      reply(request, 502, couldNotConnect(route));
      return;
    }
    if (WebSocketRelay.isUpgrade(request)) {
      webSockets.relay(request, route, target.get(), uri);
    } else {
      forward(request, route, target.get(), uri);
    }
  }

  private void forward(HttpServerRequest request, RouteRequest route, UpstreamTarget target, String uri) {
    MultiMap incoming = request.headers();
    boolean chunked = incoming.contains(HttpHeaders.TRANSFER_ENCODING);
    boolean hasBody = chunked || incoming.contains(HttpHeaders.CONTENT_LENGTH);
    MultiMap headers = HttpHeaders.headers();
    ForwardedHeaders.copyRequestHeaders(incoming, headers);
    present(options.upstreamCredentials(), target, headers);
    if (chunked) {
      // Both framings present: Transfer-Encoding wins (RFC 9112 6.3), so never pass a stale length on.
      headers.remove(HttpHeaders.CONTENT_LENGTH);
    }
    RequestOptions requestOptions =
        upstreamRequest(request.method(), route, target, uri, headers, options.connectTimeout().toMillis());
    request.pause();
    HttpServerResponse response = request.response();
    client.request(requestOptions).onComplete(connected -> {
      if (connected.failed()) {
        failed(request, route, connected.cause(), true);
        return;
      }
      HttpClientRequest upstream = connected.result();
      if (response.closed()) {
        upstream.reset();
        return;
      }
      response.closeHandler(ignored -> upstream.reset());
      upstream.response().onComplete(answered -> {
        if (answered.succeeded()) {
          relay(request, upstream, answered.result());
        } else {
          failed(request, route, answered.cause(), false);
        }
      });
      if (hasBody) {
        upstream.setChunked(chunked);
        // Never end a body that failed half way: the receiver would take it for complete.
        request.pipe().endOnFailure(false).to(upstream).onFailure(error -> upstream.reset(0, error));
      } else {
        upstream.end();
        request.resume();
      }
    });
  }

  /**
   * The request to {@code target}: never following redirects, connecting within the shorter of
   * the router's and the client's bounds, and idle for at most the client's timeout.
   */
  static RequestOptions upstreamRequest(HttpMethod method, RouteRequest route, UpstreamTarget target, String uri,
      MultiMap headers, long connectTimeoutMillis) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setHost(target.authority())
        .setPort(target.port())
        .setURI(uri)
        .setHeaders(headers)
        .setFollowRedirects(false)
        .setConnectTimeout(Math.min(connectTimeoutMillis, route.timeoutMillis()))
        .setIdleTimeout(route.timeoutMillis());
    if (!target.authority().equals(target.host())) {
      // IPv6: connect to the bare address, but send a bracketed Host header.
      options.setServer(SocketAddress.inetSocketAddress(target.port(), target.host()));
    }
    return options;
  }

  /** Sets the credentials the runtime at {@code target} takes, replacing the client's. */
  static void present(UpstreamCredentials credentials, UpstreamTarget target, MultiMap headers) {
    credentials.bearerToken(target.host(), target.port())
        .ifPresent(token -> headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token));
  }

  static void relay(HttpServerRequest request, HttpClientRequest upstream, HttpClientResponse answer) {
    HttpServerResponse response = request.response();
    if (response.closed()) {
      upstream.reset();
      return;
    }
    int status = answer.statusCode();
    response.setStatusCode(status);
    if (answer.statusMessage() != null) {
      response.setStatusMessage(answer.statusMessage());
    }
    MultiMap headers = response.headers();
    ForwardedHeaders.copyResponseHeaders(answer.headers(), headers);
    if (answer.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      headers.remove(HttpHeaders.CONTENT_LENGTH);
    }
    if (!headers.contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(request.method(), status)) {
      response.setChunked(true);
    }
    answer.pipe().endOnFailure(false).to(response).onFailure(error -> {
      LOG.debug("Response from upstream {} broke off: {}", upstream.getURI(), error.toString());
      upstream.reset();
      response.reset();
    });
  }

  static void failed(HttpServerRequest request, RouteRequest route, Throwable cause, boolean connecting) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.closed()) {
      response.reset();
      return;
    }
    // Discard any unread request body so the client connection stays usable.
    request.resume();
    if (connecting || cause instanceof ConnectException) {
      LOG.debug("Could not connect to sandbox {}/{}: {}", route.namespace(), route.sandboxId(), cause.toString());
      reply(request, 502, couldNotConnect(route));
    } else if (cause instanceof TimeoutException) {
      LOG.debug("Sandbox {}/{} timed out: {}", route.namespace(), route.sandboxId(), cause.toString());
      reply(request, 504, "The backend sandbox " + route.sandboxId() + " did not respond within "
          + BigDecimal.valueOf(route.timeoutMillis(), 3).stripTrailingZeros().toPlainString() + " s");
    } else {
      LOG.warn("Forwarding to sandbox {}/{} failed: {}", route.namespace(), route.sandboxId(), cause.toString());
      LOG.debug("Forwarding failure", cause);
      reply(request, 500, "Error while forwarding the request to the backend sandbox: " + route.sandboxId());
    }
  }

  private void health(HttpServerRequest request) {
    boolean healthy = directory.isHealthy();
    JsonObject body = healthy
        ? new JsonObject().put("status", "ok")
        : new JsonObject().put("status", "unavailable").put("detail", "The sandbox watch has stopped");
    request.response()
        .setStatusCode(healthy ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(body.toBuffer());
  }

  private static String upstreamUri(HttpServerRequest request) {
    String path = request.path();
    if (request.method() == HttpMethod.CONNECT || path == null) {
      return null;
    }
    if (path.isEmpty()) {
      path = "/";
    } else if (path.charAt(0) != '/') {
      return null;
    }
    String query = request.query();
    return query == null ? path : path + '?' + query;
  }

  private static boolean mayHaveBody(HttpMethod method, int status) {
    return method != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }

  private static String couldNotConnect(RouteRequest route) {
    return RouterProtocol.COULD_NOT_CONNECT + route.sandboxId();
  }

  private static void unauthorized(HttpServerRequest request, String detail) {
    request.response().putHeader("WWW-Authenticate", BearerTokenCheck.INVALID.equals(detail)
        ? "Bearer error=\"invalid_token\"" : "Bearer");
    reply(request, 401, detail);
  }

  static void reply(HttpServerRequest request, int status, String detail) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(new JsonObject().put("detail", detail).toBuffer());
  }
}
