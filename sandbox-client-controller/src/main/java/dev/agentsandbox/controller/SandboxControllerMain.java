package dev.agentsandbox.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the controller as a program against the cluster of the current kubeconfig, or the
 * in-cluster service account. Stops cleanly on SIGTERM or SIGINT.
 *
 * <pre>
 * --cluster-domain=DOMAIN     cluster DNS domain (default cluster.local)
 * --namespace=NS              watch only NS; repeatable, or comma separated (default: all)
 * --namespaces=NS1,NS2        same as --namespace
 * --workers=N                 reconcile worker threads (default 4)
 * </pre>
 *
 * @since 0.1.0
 */
public final class SandboxControllerMain {
  private SandboxControllerMain() {
  }

  /**
   * Starts the controller and blocks until the JVM is asked to shut down.
   *
   * @param args flags as listed in the class documentation; {@code --flag value} also works
   * @throws IllegalArgumentException on an unknown flag or a bad value
   * @throws InterruptedException if the main thread is interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    ControllerOptions options = parse(args);
    KubernetesClient client = new KubernetesClientBuilder().build();
    SandboxController controller;
    try {
      controller = SandboxController.start(client, options);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        controller.close();
        client.close();
      } finally {
        stopped.countDown();
      }
    }, "sandbox-controller-shutdown"));
    stopped.await();
  }

  /**
   * Parses command-line flags into options.
   *
   * @throws IllegalArgumentException on an unknown flag or a bad value
   */
  static ControllerOptions parse(String[] args) {
    ControllerOptions.Builder builder = ControllerOptions.builder();
    Set<String> namespaces = new LinkedHashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      }
      if (value == null) {
        throw new IllegalArgumentException("missing value for " + flag);
      }
      switch (flag) {
        case "--cluster-domain" -> builder.clusterDomain(value);
        case "--namespace", "--namespaces" -> Arrays.stream(value.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .forEach(namespaces::add);
        case "--workers" -> {
          try {
            builder.workers(Integer.parseInt(value));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--workers must be a number, got " + value, e);
          }
        }
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    return builder.namespaces(namespaces).build();
  }
}
