package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.local.LocalSandboxCluster;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the Kubernetes clients found on the machine (kubectl, the Python client) against the embedded cluster. */
final class ExternalClients {
  private ExternalClients() {
  }

  /** The output and exit code of a finished program. */
  record Result(int exitCode, String stdout, String stderr) {
    Result expectSuccess(String what) {
      if (exitCode != 0) {
        throw new AssertionError(what + " exited with " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return this;
    }
  }

  /**
   * kubectl with one cluster's kubeconfig and no other.
   *
   * @param program the kubectl executable
   * @param kubeconfig the cluster's kubeconfig
   */
  record Kubectl(Path program, Path kubeconfig) {
    private static final long TIMEOUT_SECONDS = 120;

    /** Runs kubectl with {@code args}; fails the test unless it exits with 0. */
    Result run(String... args) {
      return attempt(args).expectSuccess("kubectl " + String.join(" ", args));
    }

    /** Runs kubectl with {@code args}, whatever its exit code. */
    Result attempt(String... args) {
      return ExternalClients.run(command(args), Map.of("KUBECONFIG", kubeconfig.toString()), TIMEOUT_SECONDS);
    }

    /** Starts a kubectl that keeps running (a port-forward), its stderr merged into its stdout; the caller stops it. */
    Process start(String... args) throws IOException {
      ProcessBuilder builder = new ProcessBuilder(command(args)).redirectErrorStream(true);
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      return builder.start();
    }

    private List<String> command(String... args) {
      List<String> command = new ArrayList<>(List.of(program.toString(), "--kubeconfig", kubeconfig.toString()));
      command.addAll(List.of(args));
      return command;
    }
  }

  /** kubectl for {@code cluster}, with a kubeconfig written in {@code dir}; skipped where kubectl is missing. */
  static Kubectl kubectlFor(LocalSandboxCluster cluster, Path dir) {
    Path program = kubectl();
    return new Kubectl(program, cluster.writeKubeconfig(dir.resolve("kubeconfig")));
  }

  /**
   * The local port a {@code kubectl port-forward} says it forwards to {@code remotePort}, from its
   * first lines of output.
   */
  static CompletableFuture<Integer> forwardedPort(Process forward, int remotePort) {
    return CompletableFuture.supplyAsync(() -> {
      Pattern forwarding = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> " + remotePort);
      StringBuilder seen = new StringBuilder();
      try {
        BufferedReader lines = new BufferedReader(new InputStreamReader(forward.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          Matcher port = forwarding.matcher(line);
          if (port.find()) {
            return Integer.parseInt(port.group(1));
          }
          seen.append(line).append('\n');
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new AssertionError("kubectl port-forward ended without forwarding:\n" + seen);
    });
  }

  /** A SandboxClaim of {@code template} in namespace default, as YAML. */
  static String claimYaml(String name, String template) {
    return "apiVersion: extensions.agents.x-k8s.io/v1alpha1\n"
        + "kind: SandboxClaim\nmetadata:\n  name: " + name + "\n  namespace: default\n"
        + "spec:\n  sandboxTemplateRef:\n    name: " + template + "\n";
  }

  /** kubectl on the PATH; the test is skipped, with a message, where there is none. */
  static Path kubectl() {
    Optional<Path> found = onPath("kubectl");
    assumeTrue(found.isPresent(), "kubectl is not installed (on Debian: apt-get install kubernetes-client)");
    return found.get();
  }

  /** Debian's python3 with the Kubernetes Python client; the test is skipped where either is missing. */
  static Path pythonWithKubernetesClient() {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "python3 is not installed");
    Result probe = run(List.of(python.toString(), "-c", "import kubernetes"), Map.of(), 60);
    assumeTrue(probe.exitCode() == 0,
        "the Kubernetes Python client is not installed (on Debian: apt-get install python3-kubernetes)");
    return python;
  }

  static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Runs {@code command} with extra environment variables; kills it after {@code timeoutSeconds}. */
  static Result run(List<String> command, Map<String, String> environment, long timeoutSeconds) {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
    try {
      process.getOutputStream().close();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
      }
      return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("cannot read the output of " + command.get(0), e);
    } finally {
      process.destroyForcibly();
    }
  }

  private static String read(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
