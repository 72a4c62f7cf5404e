package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import dev.agentsandbox.client.SandboxState;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handle shape against the embedded cluster: shared tunnel, streamed large files. */
@SandboxTest
@SandboxTemplate(resource = "python-runtime-template.yaml")
class SandboxFleetEndToEndTest {
  private static final String TEMPLATE = "python-runtime-template";
  /** The in-memory response limit for these tests; the files moved are larger. */
  private static final long LIMIT = 1024 * 1024;
  private static final int FILE_SIZE = 12 * 1024 * 1024 + 5;

  private static LocalSandboxCluster cluster;

  @TempDir
  Path dir;

  @Test
  void filesLargerThanTheInMemoryLimitStreamBothWaysThroughTheTunnel() throws Exception {
    Path local = dir.resolve("large.bin");
    try (OutputStream out = Files.newOutputStream(local)) {
      byte[] chunk = new byte[64 * 1024];
      Random random = new Random(7);
      for (int written = 0; written < FILE_SIZE; written += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, Math.min(chunk.length, FILE_SIZE - written));
      }
    }
    String sha = sha256(local);

    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .maxResponseSize(LIMIT).build()) {
      Sandbox sandbox = fleet.create(SandboxOptions.ofTemplate(TEMPLATE));

      sandbox.files().upload("in/from-path.bin", local);
      try (InputStream in = Files.newInputStream(local)) {
        sandbox.files().upload("in/from-stream.bin", in);
      }
      for (String name : List.of("in/from-path.bin", "in/from-stream.bin")) {
        ExecutionResult sum = sandbox.commands().run("sha256sum " + name);
        assertEquals(sha + "  " + name + "\n", sum.stdout(), sum.stderr());
      }

      Path back = dir.resolve("back.bin");
      assertEquals(FILE_SIZE, sandbox.files().download("in/from-stream.bin", back));
      assertEquals(sha, sha256(back));
      assertThrows(SandboxResponseTooLargeException.class,
          () -> sandbox.files().read("in/from-path.bin"));
    }
  }

  @Test
  void oneFleetServesSeveralSandboxesAndEndsThemOnClose() {
    String kept;
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel()).build()) {
      SandboxOptions options = SandboxOptions.builder().templateName(TEMPLATE)
          .labels(Map.of("suite", "fleet-e2e")).build();
      Sandbox a = fleet.create(options);
      Sandbox b = fleet.create(options);

      a.files().write("who.txt", "a");
      b.files().write("who.txt", "b");
      assertEquals("a", a.files().readString("who.txt"));
      assertEquals("b", b.files().readString("who.txt"));
      assertNotEquals(a.sandboxName(), b.sandboxName());
      assertEquals(SandboxState.Phase.READY, a.status().phase());
      assertEquals(2, fleet.list(Map.of("suite", "fleet-e2e")).stream()
          .filter(SandboxSummary::ready).count());

      b.disconnect();
      kept = b.claimName();
    }
    List<String> left = cluster.client().resources(SandboxClaim.class).inNamespace("default")
        .withLabel("suite", "fleet-e2e").list().getItems().stream()
        .map(c -> c.getMetadata().getName()).toList();
    assertEquals(List.of(kept), left, "the disconnected claim is kept, the other deleted");

    try (SandboxFleet again = SandboxFleet.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel()).build()) {
      Sandbox b = again.attach(kept);
      assertEquals("b", b.files().readString("who.txt"));
      b.terminate();
    }
    assertTrue(cluster.client().resources(SandboxClaim.class).inNamespace("default")
        .withLabel("suite", "fleet-e2e").list().getItems().isEmpty());
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
