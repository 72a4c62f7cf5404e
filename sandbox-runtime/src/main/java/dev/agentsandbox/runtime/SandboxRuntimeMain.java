package dev.agentsandbox.runtime;

import dev.agentsandbox.runtime.internal.ProcessLaunch;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a sandbox runtime as a standalone process, a drop-in for the reference image's server.
 * Configured from the environment:
 *
 * <ul>
 *   <li>{@code SANDBOX_BASE_DIR}: working directory of commands and root of file operations;
 *       default {@code /app}
 *   <li>{@code SANDBOX_EXEC_TIMEOUT_SECONDS}: command timeout; default 300
 *   <li>{@code SANDBOX_FILE_TIMEOUT_SECONDS}: bound on finding and opening the file of a file
 *       request ({@link RuntimeOptions#fileTimeout()}); default 30
 *   <li>{@code SANDBOX_BODY_IDLE_TIMEOUT_SECONDS}: bound on a pause within a request body
 *       ({@link RuntimeOptions#bodyIdleTimeout()}); default 60
 *   <li>{@code SANDBOX_HOST}: listen address; default {@code 0.0.0.0}
 *   <li>{@code SANDBOX_PORT}: listen port; default 8888
 *   <li>{@code SANDBOX_ISOLATION}: {@code auto}, {@code required} or {@code none}; default
 *       {@code none}
 *   <li>{@code SANDBOXD_GRPC_PORT}, {@code SANDBOXD_REST_PORT}: also serve sandboxd's gRPC
 *       process API and REST file API on these ports (sandboxd's own are 9090 and 8080); unset,
 *       each is not served
 * </ul>
 *
 * <p>As in the reference image, commands inherit this process's environment. SIGTERM stops the
 * server and kills running commands.
 *
 * @since 0.1.0
 */
public final class SandboxRuntimeMain {

  private static final Logger LOG = LoggerFactory.getLogger(SandboxRuntimeMain.class);

  private SandboxRuntimeMain() {
  }

  /**
   * Starts the runtime and returns; the server keeps the JVM alive until it is terminated. Exits
   * with status 2 on invalid configuration and 1 when the server cannot start.
   */
  public static void main(String[] args) {
    ProcessLaunch.preferVfork();
    Map<String, String> env = System.getenv();
    RuntimeOptions options;
    try {
      Path baseDir = Path.of(setting(env, "SANDBOX_BASE_DIR", "/app"));
      CommandIsolation isolation =
          IsolationPolicy.parse(setting(env, "SANDBOX_ISOLATION", "none")).resolve();
      options = RuntimeOptions.builder()
          .host(setting(env, "SANDBOX_HOST", "0.0.0.0"))
          .port(Integer.parseInt(setting(env, "SANDBOX_PORT", "8888")))
          .baseDir(baseDir)
          .execTimeout(timeout(env, "SANDBOX_EXEC_TIMEOUT_SECONDS",
              RuntimeOptions.DEFAULT_EXEC_TIMEOUT))
          .fileTimeout(timeout(env, "SANDBOX_FILE_TIMEOUT_SECONDS",
              RuntimeOptions.DEFAULT_FILE_TIMEOUT))
          .bodyIdleTimeout(timeout(env, "SANDBOX_BODY_IDLE_TIMEOUT_SECONDS",
              RuntimeOptions.DEFAULT_BODY_IDLE_TIMEOUT))
          .isolation(isolation)
          .environment(env)
          .sandboxd(Integer.parseInt(setting(env, "SANDBOXD_GRPC_PORT", "-1")),
              Integer.parseInt(setting(env, "SANDBOXD_REST_PORT", "-1")))
          .build();
    } catch (RuntimeException e) {
      LOG.error("Invalid sandbox runtime configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setFileSystemOptions(
        new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false)));
    SandboxRuntimeServer server;
    try {
      server = SandboxRuntimeServer.start(vertx, options);
    } catch (RuntimeException e) {
      LOG.error("{}", e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Vert.x did not stop cleanly: {}", e.toString());
      }
    }, "sandbox-runtime-shutdown"));
  }

  private static String setting(Map<String, String> env, String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /** Accepts fractional seconds; an invalid value falls back to the default with a warning. */
  private static Duration timeout(Map<String, String> env, String name, Duration fallback) {
    String seconds = setting(env, name, "");
    if (seconds.isEmpty()) {
      return fallback;
    }
    try {
      double value = Double.parseDouble(seconds);
      if (Double.isFinite(value) && value > 0) {
        return Duration.ofNanos((long) (value * 1e9));
      }
    } catch (NumberFormatException ignored) {
      // fall through to the warning
    }
    LOG.warn("Ignoring invalid {}={}; using {} seconds", name, seconds, fallback.toSeconds());
    return fallback;
  }
}
