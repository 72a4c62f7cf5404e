package dev.agentsandbox.local;

import dev.agentsandbox.local.internal.OwnerOnlyFiles;
import dev.agentsandbox.runtime.IsolationPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link LocalSandboxCluster} until interrupted (Ctrl-C), writes a kubeconfig for other
 * clients (kubectl included) and the cluster's router token, and applies the YAML files given as
 * arguments. Both files are written readable by their owner only. The kubeconfig holds the API
 * server's bearer token, without which it refuses every request: it is the cluster's credential.
 * Clients in other processes pass the router token with
 * {@code ConnectionMode.tunnel().withAuthToken(token)}.
 *
 * <p>{@code --no-runtime-token} lets the pods' runtimes answer requests without their pod's
 * token, as the reference runtime does on a real cluster, so that a client in another process
 * can reach them at their pod addresses ({@code ConnectionMode.inCluster()}); any local user can
 * then run commands in the sandboxes.
 *
 * <pre>
 * usage: LocalClusterMain [--kubeconfig FILE] [--token-file FILE] [--isolation auto|required|none]
 *                         [--no-runtime-token] [FILE.yaml ...]
 * </pre>
 *
 * @since 0.1.0
 */
public final class LocalClusterMain {
  private LocalClusterMain() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws InterruptedException {
    Path kubeconfig = Path.of("agent-sandbox-local.kubeconfig.yaml");
    Path tokenFile = Path.of("agent-sandbox-local.router-token");
    IsolationPolicy isolation = IsolationPolicy.AUTO;
    boolean runtimeToken = true;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--kubeconfig":
          kubeconfig = Path.of(value(args, ++i, "--kubeconfig"));
          break;
        case "--token-file":
          tokenFile = Path.of(value(args, ++i, "--token-file"));
          break;
        case "--isolation":
          isolation = IsolationPolicy.parse(value(args, ++i, "--isolation"));
          break;
        case "--no-runtime-token":
          runtimeToken = false;
          break;
        case "-h":
        case "--help":
          System.out.println("usage: LocalClusterMain [--kubeconfig FILE] [--token-file FILE] [--isolation auto|required|none]"
              + " [--no-runtime-token] [FILE.yaml ...]");
          return;
        default:
          if (args[i].startsWith("--")) {
            throw new IllegalArgumentException("Unknown option " + args[i] + " (try --help)");
          }
          files.add(Path.of(args[i]));
      }
    }
    // HTTPS, since kubectl sends the kubeconfig's token only over HTTPS.
    LocalSandboxCluster cluster = LocalSandboxCluster.builder().isolation(isolation).apiServerTls(true)
        .runtimeAuthentication(runtimeToken).start();
    if (!runtimeToken) {
      System.out.println("Warning: the sandboxes' runtimes answer without a token (--no-runtime-token): any local"
          + " user can run commands in them at their pod addresses.");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.close();
      stopped.countDown();
    }, "local-cluster-shutdown"));
    try {
      for (Path file : files) {
        cluster.apply(file).forEach(o -> System.out.printf("applied %s/%s%n", o.getKind(), o.getMetadata().getName()));
      }
      cluster.writeKubeconfig(kubeconfig);
      OwnerOnlyFiles.write(tokenFile, cluster.routerAuthToken() + "\n");
    } catch (IOException | RuntimeException e) {
      System.err.println("Stopping the local cluster: " + e.getMessage());
      System.exit(1); // the shutdown hook closes the cluster
    }
    // The tokens go to files rather than the terminal, whose scrollback others may see.
    System.out.printf("Local sandbox cluster at %s%nkubeconfig: %s (export KUBECONFIG=%s)%n"
            + "router token: %s (export SANDBOX_ROUTER_TOKEN=$(cat %s); clients send it with"
            + " ConnectionMode.tunnel().withAuthToken(token))%n"
            + "Both files are readable by you only: whoever reads them can run commands in the cluster's"
            + " sandboxes.%nPress Ctrl-C to stop.%n",
        cluster.url(), kubeconfig.toAbsolutePath(), kubeconfig.toAbsolutePath(), tokenFile.toAbsolutePath(),
        tokenFile.toAbsolutePath());
    stopped.await();
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
