package dev.agentsandbox.runtime;

import dev.agentsandbox.runtime.internal.AccessTokenCheck;
import dev.agentsandbox.runtime.internal.CommandRunner;
import dev.agentsandbox.runtime.internal.ConfinedPaths;
import dev.agentsandbox.runtime.internal.FileWorkers;
import dev.agentsandbox.runtime.internal.LiveProcesses;
import dev.agentsandbox.runtime.internal.ProcessLaunch;
import dev.agentsandbox.runtime.internal.ProcessService;
import dev.agentsandbox.runtime.internal.RuntimeRequestHandler;
import dev.agentsandbox.runtime.internal.SandboxdRestHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.server.GrpcServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running sandbox runtime: the HTTP API of the reference {@code python-runtime} image served
 * in-process on Vert.x core. Several runtimes can share one {@link Vertx}, each on its own
 * address.
 *
 * <pre>{@code
 * try (SandboxRuntimeServer runtime = SandboxRuntimeServer.start(vertx,
 *     RuntimeOptions.builder().host("127.0.5.7").port(8888).baseDir(dir).build())) {
 *   // GET http://127.0.5.7:8888/ -> {"status":"ok","message":"Sandbox Runtime is active."}
 * }
 * }</pre>
 *
 * <p>With {@link RuntimeOptions#accessToken()} set, every request must carry
 * {@code Authorization: Bearer <token>}; any other gets {@code 401}. The embedded cluster sets a
 * fresh token per pod so that only its own components reach a sandbox, not other local users.
 *
 * <p>Thread-safe. {@link #start} and {@link #close} block and must not be called on a Vert.x
 * event-loop thread.
 *
 * @since 0.1.0
 */
public final class SandboxRuntimeServer implements AutoCloseable {

  static {
    ProcessLaunch.preferVfork();
  }

  private static final Logger LOG = LoggerFactory.getLogger(SandboxRuntimeServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_INITIAL_LINE = 16 * 1024;
  /** Threads that find and open files for one runtime; see {@link FileWorkers}. */
  private static final int FILE_THREADS = 4;

  /**
   * Addresses bound by live runtimes per Vert.x instance. Vert.x silently shares a server socket
   * between two listeners on the same host and port of one instance and balances requests across
   * them, which would mix two sandboxes; this makes the second start fail instead.
   */
  private static final Set<BoundAddress> BOUND = ConcurrentHashMap.newKeySet();

  /** Adds {@code address} to {@link #BOUND} and {@code claimed}; false if another has it. */
  private static boolean claim(BoundAddress address, List<BoundAddress> claimed) {
    if (!BOUND.add(address)) {
      return false;
    }
    claimed.add(address);
    return true;
  }

  private record BoundAddress(Vertx vertx, String host, int port) {
    @Override
    public boolean equals(Object o) {
      return o instanceof BoundAddress b && b.vertx == vertx && b.host.equals(host)
          && b.port == port;
    }

    @Override
    public int hashCode() {
      return Objects.hash(System.identityHashCode(vertx), host, port);
    }
  }

  private final RuntimeOptions options;
  private final Path baseDir;
  private final CommandRunner commands;
  private final FileWorkers files;
  private final HttpServer server;
  /** sandboxd's live processes and gRPC server; null unless served. */
  private final LiveProcesses live;
  private final HttpServer grpcServer;
  /** sandboxd's REST server; null unless served. */
  private final HttpServer restServer;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** This runtime's entries in {@link #BOUND}; set once it listens. */
  private volatile List<BoundAddress> addresses = List.of();

  /** The runtime's command runner, file threads and HTTP server; not listening yet. */
  private SandboxRuntimeServer(Vertx vertx, RuntimeOptions options, Path baseDir) {
    String name = "sandbox-runtime-" + options.host() + ":" + options.port();
    this.options = options;
    this.baseDir = baseDir;
    this.commands = new CommandRunner(vertx, baseDir, options,
        options.launcher() == null ? null : options.launcher().process());
    this.files = new FileWorkers(vertx, name, FILE_THREADS, options.fileTimeout());
    Handler<HttpServerRequest> api = new RuntimeRequestHandler(vertx, new ConfinedPaths(baseDir),
        commands, files, options.bodyIdleTimeout());
    this.server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(options.host())
        .setPort(options.port())
        .setMaxInitialLineLength(MAX_INITIAL_LINE));
    Handler<HttpServerRequest> checked = options.accessToken() == null ? api
        : new AccessTokenCheck(options.accessToken(), api);
    server.requestHandler(options.accessLog() == null ? checked : logged(options.accessLog(), checked));
    if (options.sandboxdGrpcPort() >= 0) {
      this.live = new LiveProcesses(options, new ConfinedPaths(baseDir), name);
      GrpcServer grpc = GrpcServer.server(vertx);
      new ProcessService(vertx, live, options.maxOutputBytes(), options.execTimeout()).register(grpc);
      this.grpcServer = vertx.createHttpServer(new HttpServerOptions()
          .setHost(options.host())
          .setPort(options.sandboxdGrpcPort())
          .setHttp2ClearTextEnabled(true));
      Handler<HttpServerRequest> checkedGrpc = options.accessToken() == null ? grpc
          : new AccessTokenCheck(options.accessToken(), grpc);
      grpcServer.requestHandler(options.accessLog() == null ? checkedGrpc
          : logged(options.accessLog(), checkedGrpc));
    } else {
      this.live = null;
      this.grpcServer = null;
    }
    if (options.sandboxdRestPort() >= 0) {
      Handler<HttpServerRequest> rest = new SandboxdRestHandler(vertx, new ConfinedPaths(baseDir),
          files, options.bodyIdleTimeout(), options.environment(), closed::get);
      this.restServer = vertx.createHttpServer(new HttpServerOptions()
          .setHost(options.host())
          .setPort(options.sandboxdRestPort())
          .setMaxInitialLineLength(MAX_INITIAL_LINE));
      Handler<HttpServerRequest> checkedRest = options.accessToken() == null ? rest
          : new AccessTokenCheck(options.accessToken(), rest);
      restServer.requestHandler(options.accessLog() == null ? checkedRest
          : logged(options.accessLog(), checkedRest));
    } else {
      this.restServer = null;
    }
  }

  /** {@code handler}, telling {@code log} of each request once it is answered. */
  private static Handler<HttpServerRequest> logged(Consumer<String> log, Handler<HttpServerRequest> handler) {
    return request -> {
      String client = request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress() + ":"
          + request.remoteAddress().port();
      String version = request.version() == HttpVersion.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1";
      String line = client + " - \"" + request.method() + " " + request.path() + " " + version + "\" ";
      request.response().endHandler(ignored -> log.accept(line + request.response().getStatusCode()));
      handler.handle(request);
    };
  }

  /**
   * Creates the base directory if needed, binds {@code options.host():options.port()} and starts
   * serving. Blocks until the server listens.
   *
   * @throws IllegalStateException if the address cannot be bound (for example it is already in
   *     use, also by another runtime on the same {@code vertx}), or if called on an event loop
   * @throws UncheckedIOException if the base directory cannot be created
   */
  public static SandboxRuntimeServer start(Vertx vertx, RuntimeOptions options) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(options, "options");
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("SandboxRuntimeServer.start blocks; call it off the event "
          + "loop (for example with vertx.executeBlocking)");
    }
    Path baseDir;
    try {
      Files.createDirectories(options.baseDir());
      baseDir = options.baseDir().toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create sandbox base directory " + options.baseDir()
          + ": " + e.getMessage(), e);
    }
    String where = options.host() + ":" + options.port();
    List<BoundAddress> claimed = new ArrayList<>();
    for (int port : new int[] {options.port(), options.sandboxdGrpcPort(), options.sandboxdRestPort()}) {
      if (port > 0 && !claim(new BoundAddress(vertx, options.host(), port), claimed)) {
        claimed.forEach(BOUND::remove);
        throw new IllegalStateException("Cannot start sandbox runtime on " + options.host() + ":"
            + port + ": address already in use by another sandbox runtime");
      }
    }
    SandboxRuntimeServer runtime = new SandboxRuntimeServer(vertx, options, baseDir);
    try {
      await(runtime.server.listen(), START_TIMEOUT);
      if (runtime.grpcServer != null) {
        await(runtime.grpcServer.listen(), START_TIMEOUT);
      }
      if (runtime.restServer != null) {
        await(runtime.restServer.listen(), START_TIMEOUT);
      }
    } catch (RuntimeException e) {
      runtime.commands.close();
      runtime.files.close();
      runtime.server.close();
      if (runtime.grpcServer != null) {
        runtime.live.close();
        runtime.grpcServer.close();
      }
      if (runtime.restServer != null) {
        runtime.restServer.close();
      }
      claimed.forEach(BOUND::remove);
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("Cannot start sandbox runtime on " + where + ": "
          + cause.getMessage(), cause);
    }
    if (options.port() == 0) {
      claim(new BoundAddress(vertx, options.host(), runtime.port()), claimed);
    }
    if (options.sandboxdGrpcPort() == 0) {
      claim(new BoundAddress(vertx, options.host(), runtime.sandboxdGrpcPort()), claimed);
    }
    if (options.sandboxdRestPort() == 0) {
      claim(new BoundAddress(vertx, options.host(), runtime.sandboxdRestPort()), claimed);
    }
    runtime.addresses = List.copyOf(claimed);
    LOG.info("Sandbox runtime listening on {}:{} (base dir {}, isolation {}, {})", options.host(),
        runtime.port(), baseDir, options.isolation().describe(),
        options.accessToken() == null ? "open to every client" : "access token required");
    return runtime;
  }

  /** The address the server listens on. */
  public String host() {
    return options.host();
  }

  /** The port the server listens on; the actual one when an ephemeral port was requested. */
  public int port() {
    return server.actualPort();
  }

  /**
   * The port sandboxd's gRPC process API listens on.
   *
   * @throws IllegalStateException if it is not served (see {@link RuntimeOptions#sandboxdGrpcPort()})
   */
  public int sandboxdGrpcPort() {
    if (grpcServer == null) {
      throw new IllegalStateException("this runtime does not serve sandboxd's gRPC API");
    }
    return grpcServer.actualPort();
  }

  /**
   * The port sandboxd's REST API (files, health, metadata) listens on.
   *
   * @throws IllegalStateException if it is not served (see {@link RuntimeOptions#sandboxdRestPort()})
   */
  public int sandboxdRestPort() {
    if (restServer == null) {
      throw new IllegalStateException("this runtime does not serve sandboxd's REST API");
    }
    return restServer.actualPort();
  }

  /** The number of sandboxd processes currently running. */
  public int runningProcesses() {
    return live == null ? 0 : live.runningCount();
  }

  /** The real path of the base directory (symbolic links resolved). */
  public Path baseDir() {
    return baseDir;
  }

  /** The options this server was started with. */
  public RuntimeOptions options() {
    return options;
  }

  /** The number of commands currently running. */
  public int runningCommands() {
    return commands.runningCount();
  }

  /**
   * Stops listening, closes open connections and kills every running command with its whole
   * process tree. Blocks until done, for at most about fifteen seconds. Idempotent; never throws.
   * Called on an event-loop thread it does not wait for the socket to close.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Future<Void> stopped = server.close();
    if (!Context.isOnEventLoopThread()) {
      try {
        await(stopped, STOP_TIMEOUT);
      } catch (RuntimeException e) {
        LOG.warn("Sandbox runtime on {}:{} did not stop listening cleanly: {}", host(),
            port(), e.toString());
      }
    }
    commands.close();
    files.close();
    if (live != null) {
      live.close();
      Future<Void> grpcStopped = grpcServer.close();
      if (!Context.isOnEventLoopThread()) {
        try {
          await(grpcStopped, STOP_TIMEOUT);
        } catch (RuntimeException e) {
          LOG.warn("Sandbox runtime on {}:{} did not stop its gRPC listener cleanly: {}", host(),
              port(), e.toString());
        }
      }
    }
    if (restServer != null) {
      Future<Void> restStopped = restServer.close();
      if (!Context.isOnEventLoopThread()) {
        try {
          await(restStopped, STOP_TIMEOUT);
        } catch (RuntimeException e) {
          LOG.warn("Sandbox runtime on {}:{} did not stop its REST listener cleanly: {}", host(),
              port(), e.toString());
        }
      }
    }
    addresses.forEach(BOUND::remove);
    LOG.info("Sandbox runtime on {}:{} stopped", host(), port());
  }

  @Override
  public String toString() {
    return "SandboxRuntimeServer{" + host() + ":" + port() + ", " + baseDir + "}";
  }

  private static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
