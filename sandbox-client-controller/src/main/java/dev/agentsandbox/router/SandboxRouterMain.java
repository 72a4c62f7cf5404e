package dev.agentsandbox.router;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
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
 * </pre>
 *
 * @since 0.1.0
 */
public final class SandboxRouterMain {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRouterMain.class);
  private static final String USAGE = "Usage: sandbox-router [--host HOST] [--port PORT] [--watch-namespace NS]"
      + " [--default-namespace NS] [--cluster-domain DOMAIN] [--timeout SECONDS]";

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
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int equals = flag.indexOf('=');
      if (equals > 0) {
        value = flag.substring(equals + 1);
        flag = flag.substring(0, equals);
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
      default -> throw new IllegalArgumentException("Unknown option " + flag);
    }
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
