package dev.agentsandbox.examples;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.Runtime;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.local.LocalSandboxCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Live processes: output while a command runs, standard input, signals, a terminal and many
 * non-blocking runs, on both runtimes: the legacy runtime (the tutorial's template, live
 * processes through the Kubernetes pods/exec API) and sandboxd. For each runtime it prints
 *
 * <pre>
 * runtime=legacy first-output-ms=40
 * runtime=legacy stdin=hello from stdin
 * runtime=legacy signal-exit=130
 * runtime=legacy tty=/dev/pts/0
 * runtime=legacy async-results=100
 * runtime=sandboxd first-output-ms=12
 * ...
 * </pre>
 *
 * <p>By default it starts an embedded {@link LocalSandboxCluster} and applies both templates to
 * it. With {@code --kubeconfig FILE} and/or {@code --context NAME} it uses that real cluster,
 * which must run the agent-sandbox controller and the router and have both templates
 * ({@code python-runtime-template} and {@code sandboxd-template} unless {@code --legacy-template}
 * or {@code --template} name others); the client needs RBAC create on pods/exec.
 *
 * <pre>
 * usage: LiveProcessExample [--kubeconfig FILE] [--context NAME] [--namespace NS]
 *                           [--legacy-template NAME] [--template NAME]
 * </pre>
 */
public final class LiveProcessExample {
  private static final long WAIT_SECONDS = 60;
  private static final int ASYNC_RUNS = 100;

  private LiveProcessExample() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    run(args, System.out::println);
  }

  /** Runs the example, handing each result line to {@code out}. */
  static void run(String[] args, Consumer<String> out) throws Exception {
    ExampleOptions options = ExampleOptions.parse("LiveProcessExample [--kubeconfig FILE] [--context NAME]"
        + " [--namespace NS] [--legacy-template NAME] [--template NAME]", args, Map.of("--namespace", "default",
        "--template", "sandboxd-template", "--legacy-template", "python-runtime-template"));
    if (options == null) {
      return;
    }
    String namespace = options.get("--namespace");
    if (!options.realCluster()) {
      try (LocalSandboxCluster cluster = LocalSandboxCluster.start()) {
        for (String yaml : List.of("/python-runtime-template.yaml", "/sandboxd-template.yaml")) {
          try (InputStream manifest = LiveProcessExample.class.getResourceAsStream(yaml)) {
            cluster.apply(manifest);
          }
        }
        run(cluster.client(), cluster.tunnel(), namespace, options.get("--legacy-template"),
            options.get("--template"), out);
      }
    } else {
      try (KubernetesClient client = options.realClusterClient()) {
        run(client, ConnectionMode.tunnel(), namespace, options.get("--legacy-template"), options.get("--template"),
            out);
      }
    }
  }

  private static void run(KubernetesClient client, ConnectionMode connection, String namespace,
      String legacyTemplate, String template, Consumer<String> out) throws Exception {
    // The legacy runtime has no live processes of its own: pods/exec, which streams, runs them.
    demonstrate("legacy", SandboxClient.builder().kubernetesClient(client).connection(connection)
        .namespace(namespace).templateName(legacyTemplate).runtime(Runtime.LEGACY).podExec(true), out);
    demonstrate("sandboxd", SandboxClient.builder().kubernetesClient(client).connection(connection)
        .namespace(namespace).templateName(template).runtime(Runtime.SANDBOXD), out);
  }

  private static void demonstrate(String name, SandboxClient.Builder builder, Consumer<String> out)
      throws Exception {
    try (SandboxClient sandbox = builder.build()) {

      // Output arrives while the command runs: the first line long before the sleep ends.
      long started = System.nanoTime();
      CompletableFuture<Long> firstOutput = new CompletableFuture<>();
      try (SandboxProcess process = sandbox.commands().start("echo start; sleep 3; echo end")) {
        process.onStdoutLine(line -> firstOutput.complete(System.nanoTime()));
        long firstMillis = TimeUnit.NANOSECONDS.toMillis(firstOutput.get(WAIT_SECONDS, TimeUnit.SECONDS) - started);
        out.accept("runtime=" + name + " first-output-ms=" + firstMillis);
        process.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      }

      // Standard input: cat echoes what was written; closing stdin ends it.
      try (SandboxProcess cat = sandbox.commands().start(ProcessSpec.of("cat"))) {
        try (OutputStream stdin = cat.stdin()) {
          stdin.write("hello from stdin".getBytes(StandardCharsets.UTF_8));
        }
        out.accept("runtime=" + name + " stdin=" + cat.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).stdout());
      }

      // A signal ends a long command. Through pods/exec an interrupt is the terminal's Ctrl-C
      // (other signals are a second exec, which needs the pod's processes in one pid namespace).
      ProcessSpec sleep = name.equals("legacy") ? ProcessSpec.builder("sleep", "100").terminal(80, 24).build()
          : ProcessSpec.of("sleep", "100");
      try (SandboxProcess sleeper = sandbox.commands().start(sleep)) {
        sleeper.signal(ProcessSignal.INTERRUPT);
        out.accept("runtime=" + name + " signal-exit="
            + sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
      }

      // A terminal: tty names it.
      try (SandboxProcess tty = sandbox.commands().start(ProcessSpec.builder("tty").terminal(80, 24).build())) {
        out.accept("runtime=" + name + " tty=" + tty.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).stdout().strip());
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
      out.accept("runtime=" + name + " async-results=" + succeeded);
      if (succeeded != ASYNC_RUNS) {
        throw new IllegalStateException((ASYNC_RUNS - succeeded) + " asynchronous runs failed");
      }
    }
  }
}
