package dev.agentsandbox.mcp;

import dev.agentsandbox.client.NoDelayHttpClientFactory;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.mcp.internal.ServerSettings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link SandboxMcpServer} as a program: over standard input and output by default, for
 * MCP hosts that start it, or over streamable HTTP with {@code --transport http}. Settings come
 * from flags or environment variables ({@code --help} lists them); with {@code --embedded} it
 * starts an embedded sandbox cluster in the same process, so it can be tried with nothing else
 * installed. Stopping it (end of input, Ctrl-C, SIGTERM) deletes the sandboxes it created.
 *
 * <pre>
 * java -jar sandbox-mcp-server.jar                              # stdio, current kubeconfig context
 * java -jar sandbox-mcp-server.jar --embedded                   # stdio, embedded cluster
 * java -jar sandbox-mcp-server.jar --transport http --port 8000 # http://127.0.0.1:8000/mcp
 * </pre>
 *
 * @since 0.1.0
 */
public final class SandboxMcpMain {
  /** The tutorial's template and warm pool, applied to an embedded cluster. */
  static final String EMBEDDED_RESOURCES = "embedded-template-and-pool.yaml";

  private SandboxMcpMain() {
  }

  /**
   * Entry point; see the class description.
   *
   * @param args flags
   */
  public static void main(String[] args) {
    // Standard output carries the protocol over stdio: anything else printed goes to stderr.
    PrintStream protocolOut = System.out;
    System.setOut(System.err);
    ServerSettings settings;
    try {
      settings = ServerSettings.parse(args, System::getenv);
    } catch (IllegalArgumentException e) {
      System.err.println("sandbox-mcp-server: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (settings == null) {
      System.err.print(ServerSettings.usage());
      return;
    }
    int status = run(settings, System.in, protocolOut);
    System.exit(status);
  }

  /** Serves until stopped; returns the exit status. */
  static int run(ServerSettings settings, InputStream in, PrintStream out) {
    LocalSandboxCluster cluster = null;
    KubernetesClient client = null;
    SandboxFleet fleet = null;
    SandboxMcpServer server = null;
    CountDownLatch done = new CountDownLatch(1);
    Holder holder = new Holder();
    Thread hook = new Thread(() -> {
      holder.close();
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "sandbox-mcp-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      SandboxFleet.Builder fleetBuilder = SandboxFleet.builder()
          .sandboxPort(settings.serverPort())
          .podExec(settings.podExec());
      if (settings.embedded()) {
        cluster = LocalSandboxCluster.start();
        holder.cluster = cluster;
        try (InputStream yaml = SandboxMcpMain.class.getResourceAsStream(EMBEDDED_RESOURCES)) {
          cluster.apply(yaml);
        }
        fleetBuilder.kubernetesClient(cluster.client()).connection(cluster.tunnel());
        System.err.printf("sandbox-mcp-server: embedded cluster at %s, with template "
            + "python-runtime-template and warm pool python-sandbox-warmpool in namespace "
            + "default%n", cluster.url());
      } else {
        client = kubernetesClient(settings);
        holder.client = client;
        fleetBuilder.kubernetesClient(client).connection(settings.connection());
      }
      if (settings.namespace() != null) {
        fleetBuilder.namespace(settings.namespace());
      }
      fleet = fleetBuilder.build();
      holder.fleet = fleet;
      SandboxMcpServer.Builder serverBuilder = SandboxMcpServer.builder(fleet)
          .sessionLabelKey(settings.sessionLabelKey());
      if (settings.http()) {
        serverBuilder.http(settings.host(), settings.port()).httpToken(settings.httpToken());
        settings.allowedOrigins().forEach(serverBuilder::allowOrigin);
      } else {
        serverBuilder.stdio(in, out);
      }
      server = serverBuilder.start();
      holder.server = server;
      if (server.endpoint() != null) {
        System.err.println("sandbox-mcp-server: serving MCP at " + server.endpoint());
      }
      server.awaitStop();
      return 0;
    } catch (IOException | RuntimeException e) {
      System.err.println("sandbox-mcp-server: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      holder.close();
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Shutting down already: the hook is running and waits for done.
      }
    }
  }

  private static KubernetesClient kubernetesClient(ServerSettings settings) {
    if (settings.kubeconfig() != null) {
      System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, settings.kubeconfig());
    }
    return new KubernetesClientBuilder().withConfig(Config.autoConfigure(settings.context()))
        .withHttpClientFactory(new NoDelayHttpClientFactory()).build();
  }

  /** What runs, closed in reverse order of start, once, by whoever comes first. */
  private static final class Holder {
    @Nullable SandboxMcpServer server;
    @Nullable SandboxFleet fleet;
    @Nullable KubernetesClient client;
    @Nullable LocalSandboxCluster cluster;
    private boolean closed;

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (server != null) {
        server.close();
      }
      if (fleet != null) {
        fleet.close();
      }
      if (client != null) {
        client.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    }
  }
}
