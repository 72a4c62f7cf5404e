package dev.agentsandbox.examples;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.Runtime;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.local.LocalSandboxCluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Live processes: output while a command runs, standard input, signals, a terminal and many
 * non-blocking runs, on a sandboxd sandbox. For each runtime it prints
 *
 * <pre>
 * runtime=sandboxd first-output-ms=12
 * runtime=sandboxd stdin=hello from stdin
 * runtime=sandboxd signal-exit=130
 * runtime=sandboxd tty=/dev/pts/0
 * runtime=sandboxd async-results=100
 * </pre>
 *
 * <p>By default it starts an embedded {@link LocalSandboxCluster} and applies the sandboxd
 * template to it. With {@code --kubeconfig FILE} and/or {@code --context NAME} it uses that real
 * cluster, which must run the agent-sandbox controller and have a sandboxd template
 * ({@code sandboxd-template} unless {@code --template} names another).
 *
 * <pre>
 * usage: LiveProcessExample [--kubeconfig FILE] [--context NAME] [--namespace NS] [--template NAME]
 * </pre>
 */
public final class LiveProcessExample {
  private static final long WAIT_SECONDS = 60;
  private static final int ASYNC_RUNS = 100;

  private LiveProcessExample() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    String kubeconfig = null;
    String context = null;
    String namespace = "default";
    String template = "sandboxd-template";
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (option.equals("-h") || option.equals("--help")) {
        System.out.println("usage: LiveProcessExample [--kubeconfig FILE] [--context NAME] [--namespace NS]"
            + " [--template NAME]");
        return;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("Missing value for " + option);
      }
      String value = args[++i];
      switch (option) {
        case "--kubeconfig" -> kubeconfig = value;
        case "--context" -> context = value;
        case "--namespace" -> namespace = value;
        case "--template" -> template = value;
        default -> throw new IllegalArgumentException("Unknown option " + option + " (try --help)");
      }
    }
    if (kubeconfig == null && context == null) {
      try (LocalSandboxCluster cluster = LocalSandboxCluster.start();
          InputStream yaml = LiveProcessExample.class.getResourceAsStream("/sandboxd-template.yaml")) {
        cluster.apply(yaml);
        demonstrate(SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
            .namespace(namespace).templateName(template).runtime(Runtime.SANDBOXD));
      }
    } else {
      if (kubeconfig != null) {
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig);
      }
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.autoConfigure(context)).build()) {
        demonstrate(SandboxClient.builder().kubernetesClient(client).namespace(namespace).templateName(template)
            .runtime(Runtime.SANDBOXD));
      }
    }
  }

  private static void demonstrate(SandboxClient.Builder builder) throws Exception {
    try (SandboxClient sandbox = builder.build()) {
      String name = "sandboxd";

      // Output arrives while the command runs: the first line long before the sleep ends.
      long started = System.nanoTime();
      CompletableFuture<Long> firstOutput = new CompletableFuture<>();
      try (SandboxProcess process = sandbox.commands().start("echo start; sleep 3; echo end")) {
        process.onStdoutLine(line -> firstOutput.complete(System.nanoTime()));
        long firstMillis = TimeUnit.NANOSECONDS.toMillis(firstOutput.get(WAIT_SECONDS, TimeUnit.SECONDS) - started);
        System.out.println("runtime=" + name + " first-output-ms=" + firstMillis);
        process.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      }

      // Standard input: cat echoes what was written; closing stdin ends it.
      try (SandboxProcess cat = sandbox.commands().start(ProcessSpec.of("cat"))) {
        try (OutputStream stdin = cat.stdin()) {
          stdin.write("hello from stdin".getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("runtime=" + name + " stdin=" + cat.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).stdout());
      }

      // A signal ends a long command.
      try (SandboxProcess sleeper = sandbox.commands().start(ProcessSpec.of("sleep", "100"))) {
        sleeper.signal(ProcessSignal.INTERRUPT);
        System.out.println("runtime=" + name + " signal-exit="
            + sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
      }

      // A terminal: tty names it.
      try (SandboxProcess tty = sandbox.commands().start(ProcessSpec.builder("tty").terminal(80, 24).build())) {
        System.out.println("runtime=" + name + " tty=" + tty.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).stdout().strip());
      }

      // Many commands without a thread each.
      List<CompletableFuture<ExecutionResult>> runs = new ArrayList<>();
      for (int i = 0; i < ASYNC_RUNS; i++) {
        runs.add(sandbox.commands().runAsync("echo " + i));
      }
      int succeeded = 0;
      for (CompletableFuture<ExecutionResult> run : runs) {
        if (run.get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode() == 0) {
          succeeded++;
        }
      }
      System.out.println("runtime=" + name + " async-results=" + succeeded);
      if (succeeded != ASYNC_RUNS) {
        throw new IllegalStateException((ASYNC_RUNS - succeeded) + " asynchronous runs failed");
      }
    }
  }
}
