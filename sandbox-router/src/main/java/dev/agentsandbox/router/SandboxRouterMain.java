package dev.agentsandbox.router;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link SandboxRouter} as a process, with a Kubernetes client configured from the
 * kubeconfig or the in-cluster service account. Stops cleanly on SIGTERM.
 *
 * <pre>
 * Options (each flag overrides its environment variable):
 *   --host HOST                 ROUTER_HOST               bind address (0.0.0.0)
 *   --port PORT                 ROUTER_PORT               listen port (8080)
 *   --watch-namespace NS        ROUTER_WATCH_NAMESPACE    only route sandboxes of NS (all namespaces)
 *   --default-namespace NS      ROUTER_DEFAULT_NAMESPACE  namespace without X-Sandbox-Namespace (default)
 *   --cluster-domain DOMAIN     CLUSTER_DOMAIN            cluster DNS domain (cluster.local)
 *   --timeout SECONDS           ROUTER_UPSTREAM_TIMEOUT   upstream timeout in seconds (180)
 *                               ROUTER_AUTH_TOKEN         Bearer token clients must send
 *   --auth-token-file FILE      ROUTER_AUTH_TOKEN_FILE    file holding that token (e.g. a mounted Secret)
 *   --allow-unauthenticated[=B] ALLOW_UNAUTHENTICATED_ROUTER  start without a token (false)
 *   --websocket-max-connections-per-client N
 *                               WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT  0: no limit (64)
 *   --websocket-idle-timeout SECONDS
 *                               WEBSOCKET_IDLE_TIMEOUT_SECONDS  0: none (3600)
 *   --websocket-max-lifetime SECONDS
 *                               WEBSOCKET_MAX_LIFETIME_SECONDS  0: none (86400)
 * </pre>
 *
 * <p>The router refuses to start without a token unless unauthenticated use is allowed. The
 * token has no flag, so that it never shows in the process list; surrounding whitespace is
 * ignored, as is a blank value.
 *
 * @since 0.1.0
 */
public final class SandboxRouterMain {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRouterMain.class);
  private static final String USAGE = "Usage: sandbox-router [--host HOST] [--port PORT] [--watch-namespace NS]"
      + " [--default-namespace NS] [--cluster-domain DOMAIN] [--timeout SECONDS] [--auth-token-file FILE]"
      + " [--allow-unauthenticated[=true|false]] [--websocket-max-connections-per-client N]"
      + " [--websocket-idle-timeout SECONDS] [--websocket-max-lifetime SECONDS]\n"
      + "The Bearer token comes from ROUTER_AUTH_TOKEN or --auth-token-file; without one the router only starts"
      + " with --allow-unauthenticated (ALLOW_UNAUTHENTICATED_ROUTER=true).";
  private static final String ALLOW_UNAUTHENTICATED = "--allow-unauthenticated";

  private SandboxRouterMain() {
  }

  /**
   * Starts the router and returns; the process then runs until it is terminated. Exits with
   * status 2 on invalid arguments and 1 if the router cannot start.
   *
   * @param args command line flags, see the class documentation
   */
  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(USAGE);
      return;
    }
    RouterOptions options;
    try {
      options = parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    KubernetesClient client = null;
    SandboxRouter router;
    try {
      client = new KubernetesClientBuilder().build();
      router = SandboxRouter.start(vertx, client, options);
    } catch (RuntimeException e) {
      LOG.error("Sandbox router failed to start: {}", e.getMessage(), e);
      if (client != null) {
        client.close();
      }
      vertx.close();
      System.exit(1);
      return;
    }
    KubernetesClient started = client;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      router.close();
      started.close();
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Vert.x did not stop cleanly: {}", e.toString());
      }
    }, "sandbox-router-shutdown"));
  }

  /**
   * Builds options from flags ({@code --name value} or {@code --name=value}) over environment
   * variables.
   *
   * @throws IllegalArgumentException on an unknown flag, a missing or invalid value
   */
  static RouterOptions parse(String[] args, Map<String, String> env) {
    RouterOptions.Builder builder = RouterOptions.builder();
    apply(builder, "--host", env.get("ROUTER_HOST"));
    apply(builder, "--port", env.get("ROUTER_PORT"));
    apply(builder, "--watch-namespace", env.get("ROUTER_WATCH_NAMESPACE"));
    apply(builder, "--default-namespace", env.get("ROUTER_DEFAULT_NAMESPACE"));
    apply(builder, "--cluster-domain", env.get("CLUSTER_DOMAIN"));
    apply(builder, "--timeout", env.get("ROUTER_UPSTREAM_TIMEOUT"));
    String token = env.get("ROUTER_AUTH_TOKEN");
    if (token != null && !token.isBlank()) {
      builder.authToken(token.strip());
    }
    apply(builder, "--auth-token-file", env.get("ROUTER_AUTH_TOKEN_FILE"));
    apply(builder, ALLOW_UNAUTHENTICATED, env.get("ALLOW_UNAUTHENTICATED_ROUTER"));
    apply(builder, "--websocket-max-connections-per-client", env.get("WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT"));
    apply(builder, "--websocket-idle-timeout", env.get("WEBSOCKET_IDLE_TIMEOUT_SECONDS"));
    apply(builder, "--websocket-max-lifetime", env.get("WEBSOCKET_MAX_LIFETIME_SECONDS"));
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int equals = flag.indexOf('=');
      if (equals > 0) {
        value = flag.substring(equals + 1);
        flag = flag.substring(0, equals);
      } else if (flag.equals(ALLOW_UNAUTHENTICATED)) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("Missing value for " + flag);
      }
      if (value.isBlank()) {
        throw new IllegalArgumentException("Missing value for " + flag);
      }
      apply(builder, flag, value);
    }
    return builder.build();
  }

  private static void apply(RouterOptions.Builder builder, String flag, String value) {
    if (value == null || value.isBlank()) {
      return;
    }
    switch (flag) {
      case "--host" -> builder.host(value);
      case "--port" -> builder.port(integer(flag, value));
      case "--watch-namespace" -> builder.watchNamespace(value);
      case "--default-namespace" -> builder.defaultNamespace(value);
      case "--cluster-domain" -> builder.clusterDomain(value);
      case "--timeout" -> builder.upstreamTimeout(seconds(flag, value));
      case "--auth-token-file" -> builder.authToken(tokenFile(flag, value));
      case ALLOW_UNAUTHENTICATED -> builder.allowUnauthenticated(bool(flag, value));
      case "--websocket-max-connections-per-client" -> builder.webSocketMaxConnectionsPerClient(integer(flag, value));
      case "--websocket-idle-timeout" -> builder.webSocketIdleTimeout(secondsOrZero(flag, value));
      case "--websocket-max-lifetime" -> builder.webSocketMaxLifetime(secondsOrZero(flag, value));
      default -> throw new IllegalArgumentException("Unknown option " + flag);
    }
  }

  private static String tokenFile(String flag, String file) {
    String token;
    try {
      token = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(flag + ": cannot read " + file + ": " + e.getClass().getSimpleName(), e);
    }
    if (token.isEmpty()) {
      throw new IllegalArgumentException(flag + ": " + file + " is empty");
    }
    return token;
  }

  // The reference router's truthy spellings; anything unknown is an error rather than a guess.
  private static boolean bool(String flag, String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "1", "true", "t", "yes", "y", "on" -> true;
      case "0", "false", "f", "no", "n", "off" -> false;
      default -> throw new IllegalArgumentException(flag + " must be true or false, got '" + value + "'");
    };
  }

  private static Duration secondsOrZero(String flag, String value) {
    return value.strip().matches("0+(\\.0*)?") ? Duration.ZERO : seconds(flag, value);
  }

  private static int integer(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + value + "'", e);
    }
  }

  private static Duration seconds(String flag, String value) {
    try {
      BigDecimal seconds = new BigDecimal(value);
      if (seconds.signum() <= 0) {
        throw new IllegalArgumentException(flag + " must be a positive number of seconds, got '" + value + "'");
      }
      return Duration.ofMillis(seconds.movePointRight(3).longValue());
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + " must be a positive number of seconds, got '" + value + "'", e);
    }
  }
}
