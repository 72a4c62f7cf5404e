package dev.agentsandbox.router;

import dev.agentsandbox.client.internal.ModelKinds;
import dev.agentsandbox.router.internal.ProxyHandler;
import dev.agentsandbox.router.internal.SandboxDirectory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP router in front of sandboxes. Clients send every request to the router with an
 * {@code X-Sandbox-ID} header (and optionally {@code X-Sandbox-Namespace},
 * {@code X-Sandbox-Port}, {@code X-Sandbox-Timeout}, {@code X-Sandbox-Pod-IP}); the router
 * streams it to the runtime in that sandbox's pod and streams the answer back.
 *
 * <p>Every request but {@code GET /healthz} must carry the router's token as
 * {@code Authorization: Bearer <token>}; without it, or with another token, the answer is
 * {@code 401} with {@code WWW-Authenticate: Bearer}. A router without a token only starts when
 * unauthenticated use is allowed explicitly ({@link RouterOptions#allowUnauthenticated()}).
 * The {@code Authorization} header never reaches a sandbox.
 *
 * <p>Targets come only from a watch-fed cache of Sandbox resources, never from the client:
 * an unknown sandbox, or one without an address, gets {@code 502}. Invalid routing headers get
 * {@code 400}, an upstream timeout {@code 504}, all as {@code {"detail": "..."}}.
 * {@code GET /healthz} is answered by the router itself. Redirects are passed back, never
 * followed. WebSocket upgrades are passed through to the sandbox, at most
 * {@link RouterOptions#webSocketMaxConnectionsPerClient()} at a time per client address
 * ({@code 403} beyond).
 *
 * <pre>{@code
 * RouterOptions options = RouterOptions.builder().port(0).authToken(token).build();
 * try (SandboxRouter router = SandboxRouter.start(vertx, client, options)) {
 *   // send requests to http://localhost:{router.port()}/ with X-Sandbox-ID: my-sandbox
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SandboxRouter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRouter.class);
  private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final SandboxDirectory directory;
  private final HttpClient upstreamClient;
  private final HttpServer server;
  private final String host;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SandboxRouter(SandboxDirectory directory, HttpClient upstreamClient, HttpServer server, String host) {
    this.directory = directory;
    this.upstreamClient = upstreamClient;
    this.server = server;
    this.host = host;
    this.port = server.actualPort();
  }

  /**
   * Starts the sandbox cache (a watch on Sandbox resources) and the HTTP server. Blocks until
   * the cache holds the initial list of sandboxes and the server listens; do not call it on a
   * Vert.x event loop.
   *
   * @param vertx the Vert.x instance to run on; not closed by {@link #close()}
   * @param client client for the Kubernetes API; not closed by {@link #close()}
   * @param options the router configuration
   * @return the running router
   * @throws RouterStartException if the options have no token and do not allow
   *     unauthenticated use, if sandboxes cannot be listed and watched, or the server cannot
   *     listen, within the configured timeouts; nothing is left running then
   * @throws IllegalStateException if called on a Vert.x event loop thread
   */
  public static SandboxRouter start(Vertx vertx, KubernetesClient client, RouterOptions options) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(options, "options");
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("SandboxRouter.start blocks; call it from a worker or main thread");
    }
    checkAuthentication(options);
    ModelKinds.register(client);
    SandboxDirectory directory = SandboxDirectory.start(client, options.watchNamespace(), options.cacheSyncTimeout());
    HttpClient upstreamClient = null;
    HttpServer server = null;
    try {
      upstreamClient = vertx.createHttpClient(clientOptions(options),
          new PoolOptions().setHttp1MaxSize(options.maxConnectionsPerSandbox()));
      server = vertx.createHttpServer(serverOptions(options))
          .requestHandler(new ProxyHandler(vertx, upstreamClient, directory, options));
      listen(server, options);
      SandboxRouter router = new SandboxRouter(directory, upstreamClient, server, options.host());
      LOG.info("Sandbox router listening on {}:{}", router.host, router.port);
      return router;
    } catch (RuntimeException e) {
      if (server != null) {
        server.close();
      }
      if (upstreamClient != null) {
        upstreamClient.close();
      }
      directory.close();
      throw e;
    }
  }

  /** Returns the port the router listens on; the actual port when started with port 0. */
  public int port() {
    return port;
  }

  /** Returns the address the router is bound to, as configured. */
  public String host() {
    return host;
  }

  /**
   * Stops the HTTP server, the upstream connections and the sandbox watch. Blocks up to a few
   * seconds for the server to close, unless called on an event loop. Idempotent; does not
   * close the {@code Vertx} or the {@code KubernetesClient} given to {@link #start}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Future<Void> serverClosed = server.close();
    Future<Void> clientClosed = upstreamClient.close();
    directory.close();
    if (!Context.isOnEventLoopThread()) {
      try {
        Future.join(serverClosed, clientClosed).toCompletionStage().toCompletableFuture()
            .get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("Sandbox router on {}:{} did not close cleanly: {}", host, port, e.toString());
      }
    }
    LOG.info("Sandbox router on {}:{} stopped", host, port);
  }

  /** Refuses options without a token unless they allow that explicitly; logs which it is. */
  private static void checkAuthentication(RouterOptions options) {
    if (options.authToken() != null) {
      LOG.info("Sandbox router authentication enabled: requests must carry the Bearer token");
      return;
    }
    if (!options.allowUnauthenticated()) {
      throw new RouterStartException("The sandbox router needs a token (ROUTER_AUTH_TOKEN, or RouterOptions.authToken)"
          + " to start securely; to run it without one, for local development or tests only, allow it explicitly"
          + " (ALLOW_UNAUTHENTICATED_ROUTER=true, or RouterOptions.allowUnauthenticated(true))", null);
    }
    LOG.warn("Sandbox router running WITHOUT authentication: anyone who can reach it can use every sandbox it routes to");
  }

  private static HttpServerOptions serverOptions(RouterOptions options) {
    return new HttpServerOptions()
        .setHandle100ContinueAutomatically(true)
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(options.maxRequestHeadersSize())
        .setMaxInitialLineLength(options.maxRequestLineLength());
  }

  private static HttpClientOptions clientOptions(RouterOptions options) {
    return new HttpClientOptions()
        .setKeepAlive(true)
        .setKeepAliveTimeout((int) options.upstreamKeepAliveTimeout().toSeconds())
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(options.maxRequestHeadersSize())
        .setMaxInitialLineLength(options.maxRequestLineLength());
  }

  private static void listen(HttpServer server, RouterOptions options) {
    String failure = "Could not listen on " + options.host() + ":" + options.port();
    try {
      server.listen(options.port(), options.host()).toCompletionStage().toCompletableFuture()
          .get(LISTEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RouterStartException(failure + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new RouterStartException(failure + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new RouterStartException(failure + ": no answer within " + LISTEN_TIMEOUT, e);
    }
  }
}
