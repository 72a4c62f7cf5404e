package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ClaimFailedException;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxGoneException;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.testing.ClusterAwaits;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What becomes of a claim when its program exits, or when someone else deletes it. */
@SandboxTest
@SandboxTemplate(resource = "python-runtime-template.yaml")
class ClaimLifetimeEndToEndTest {
  private static final String NAMESPACE = "default";
  private static final String TEMPLATE = "python-runtime-template";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private static LocalSandboxCluster cluster;

  @Test
  void R4_programThatExitsWithItsClientOpenLeavesNoClaim(@TempDir Path dir) throws Exception {
    String claim = runProgramThatExits(dir, "hook");

    ClusterAwaits.state(claims().withName(claim), Objects::isNull, DEADLINE);
  }

  @Test
  void R4_withoutTheShutdownHookTheClaimOutlivesTheProgram(@TempDir Path dir) throws Exception {
    String claim = runProgramThatExits(dir, "no-hook");
    try {
      assertNotNull(claims().withName(claim).get(), "the claim is left to its ttl");
    } finally {
      claims().withName(claim).delete();
    }
  }

  @Test
  void R5_runAfterSomeoneElseDeletedTheClaimSaysTheClaimIsGone() {
    try (SandboxClient sandbox = SandboxClient.builder()
        .kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .templateName(TEMPLATE)
        .build()) {
      assertEquals(0, sandbox.run("true").exitCode());
      String pod = sandbox.podName();

      claims().withName(sandbox.claimName()).delete();
      ClusterAwaits.state(cluster.client().pods().inNamespace(NAMESPACE).withName(pod), Objects::isNull,
          DEADLINE);

      SandboxGoneException e = assertThrows(SandboxGoneException.class, () -> sandbox.run("ls"));
      assertEquals(ClaimFailedException.REASON_DELETED, e.reason());
      assertEquals(sandbox.claimName(), e.claimName().orElseThrow());
      assertEquals(NAMESPACE, e.namespace().orElseThrow());
      assertTrue(e.getMessage().contains("SandboxClaim '" + sandbox.claimName()
          + "' in namespace '" + NAMESPACE + "' is gone"), e.getMessage());
      assertInstanceOf(SandboxException.class, e.getCause(), "the router's answer is kept");
      assertThrows(SandboxGoneException.class, () -> sandbox.read("a.txt"));
    }
  }

  /**
   * Runs {@link ExitWithOpenClient} in a JVM of its own, reaching this cluster through a
   * kubeconfig, and returns the name of the claim it created.
   */
  private static String runProgramThatExits(Path dir, String hook) throws Exception {
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        ExitWithOpenClient.class.getName(), TEMPLATE, hook)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    Process process = builder.start();
    try {
      assertTrue(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS),
          "the program did not exit");
      List<String> lines = Files.readAllLines(out);
      assertEquals(0, process.exitValue(), () -> String.join("\n", lines) + readQuietly(err));
      return lines.stream().filter(l -> l.startsWith("claim ")).map(l -> l.substring(6))
          .findFirst().orElseThrow(() -> new AssertionError("no claim printed: " + lines
              + readQuietly(err)));
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String readQuietly(Path file) {
    try {
      return "\n" + Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  private static NonNamespaceOperation<SandboxClaim, KubernetesResourceList<SandboxClaim>,
      Resource<SandboxClaim>> claims() {
    return cluster.client().resources(SandboxClaim.class).inNamespace(NAMESPACE);
  }
}
