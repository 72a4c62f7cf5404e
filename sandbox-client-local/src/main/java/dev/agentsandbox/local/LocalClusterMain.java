package dev.agentsandbox.local;

import dev.agentsandbox.local.runtime.IsolationPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link LocalSandboxCluster} until interrupted (Ctrl-C), writes a kubeconfig for other
 * clients (kubectl included) and applies the YAML files given as arguments. The kubeconfig holds
 * the API server's bearer token, without which it refuses every request: it is the cluster's
 * credential and is written readable by its owner only.
 *
 * <pre>
 * usage: LocalClusterMain [--kubeconfig FILE] [--isolation auto|required|none] [FILE.yaml ...]
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
    IsolationPolicy isolation = IsolationPolicy.AUTO;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--kubeconfig":
          kubeconfig = Path.of(value(args, ++i, "--kubeconfig"));
          break;
        case "--isolation":
          isolation = IsolationPolicy.parse(value(args, ++i, "--isolation"));
          break;
        case "-h":
        case "--help":
          System.out.println("usage: LocalClusterMain [--kubeconfig FILE] [--isolation auto|required|none] [FILE.yaml ...]");
          return;
        default:
          if (args[i].startsWith("--")) {
            throw new IllegalArgumentException("Unknown option " + args[i] + " (try --help)");
          }
          files.add(Path.of(args[i]));
      }
    }
    // HTTPS, since kubectl sends the kubeconfig's token only over HTTPS.
    LocalSandboxCluster cluster = LocalSandboxCluster.builder().isolation(isolation).apiServerTls(true).start();
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
    } catch (RuntimeException e) {
      System.err.println("Stopping the local cluster: " + e.getMessage());
      System.exit(1); // the shutdown hook closes the cluster
    }
    System.out.printf("Local sandbox cluster at %s%nkubeconfig: %s (export KUBECONFIG=%s)%n"
        + "The kubeconfig is the cluster's credential (readable by you only): whoever reads it can run"
        + " commands in its sandboxes.%nPress Ctrl-C to stop.%n",
        cluster.url(), kubeconfig.toAbsolutePath(), kubeconfig.toAbsolutePath());
    stopped.await();
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
