package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.KeyedSandboxes;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.client.TemplateNotFoundException;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** One sandbox per key on the embedded cluster: kept apart, shared per key, deleted on release. */
@SandboxTest
@SandboxTemplate(resource = "python-runtime-template.yaml")
class KeyedSandboxesEndToEndTest {
  private static final SandboxOptions OPTIONS = SandboxOptions.ofTemplate("python-runtime-template");

  private static LocalSandboxCluster cluster;

  @Test
  void eachKeyHasItsOwnSandboxUntilReleased() throws Exception {
    try (SandboxFleet fleet = fleet();
        KeyedSandboxes<String> perUser = KeyedSandboxes.of(fleet, OPTIONS)) {
      Sandbox alice = perUser.get("alice");
      alice.files().write("secret.txt", "alice's");
      Sandbox bob = perUser.get("bob");

      assertSame(alice, perUser.get("alice"));
      assertNotEquals(alice.claimName(), bob.claimName());
      assertThrows(SandboxFileNotFoundException.class, () -> bob.files().readString("secret.txt"));
      assertEquals(Set.of("alice", "bob"), perUser.keys());

      assertTrue(perUser.release("alice"));
      assertFalse(perUser.release("alice"), "released once");
      assertFalse(claims(fleet).contains(alice.claimName()), "the released sandbox's claim is deleted");
      Sandbox again = perUser.get("alice");
      assertNotEquals(alice.claimName(), again.claimName());
      assertThrows(SandboxFileNotFoundException.class, () -> again.files().readString("secret.txt"));
    }
  }

  @Test
  void concurrentCallsForOneKeyShareOneCreation() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (SandboxFleet fleet = fleet();
        KeyedSandboxes<Integer> perKey = KeyedSandboxes.of(fleet, OPTIONS)) {
      List<Future<Sandbox>> calls = List.of(
          callers.submit(() -> perKey.get(1)), callers.submit(() -> perKey.get(1)),
          callers.submit(() -> perKey.get(1)), callers.submit(() -> perKey.get(1)));
      Sandbox first = calls.get(0).get();
      for (Future<Sandbox> call : calls) {
        assertSame(first, call.get());
      }
      assertEquals(List.of(first.claimName()), fleet.sandboxes().stream().map(Sandbox::claimName).toList(),
          "one claim for the key");
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void closeDeletesEverySandboxAndAFailedCreationIsNotRemembered() {
    try (SandboxFleet fleet = fleet()) {
      KeyedSandboxes<String> perUser = KeyedSandboxes.of(fleet, OPTIONS);
      List<String> made = List.of(perUser.get("a").claimName(), perUser.get("b").claimName());
      perUser.close();
      assertTrue(claims(fleet).stream().noneMatch(made::contains), "close deletes the sandboxes");
      assertTrue(fleet.sandboxes().isEmpty());
      assertThrows(IllegalStateException.class, () -> perUser.get("a"));

      KeyedSandboxes<String> broken = KeyedSandboxes.of(fleet, SandboxOptions.ofTemplate("no-such-template"));
      assertThrows(TemplateNotFoundException.class, () -> broken.get("x"));
      assertTrue(broken.keys().isEmpty(), "a failed creation leaves no key behind");
      assertThrows(TemplateNotFoundException.class, () -> broken.get("x"), "and is tried again");
      broken.close();
    }
  }

  @Test
  void aKeyNotAskedForWithinTheIdleTimeoutLosesItsSandbox() throws Exception {
    try (SandboxFleet fleet = fleet();
        KeyedSandboxes<String> perUser = KeyedSandboxes.<String>builder(fleet, OPTIONS)
            .idleTimeout(Duration.ofMillis(300)).build()) {
      String claim = perUser.get("gone").claimName();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (perUser.keys().contains("gone") || claims(fleet).contains(claim)) {
        assertTrue(System.nanoTime() < deadline, "the idle sandbox is deleted");
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      assertNotEquals(claim, perUser.get("gone").claimName(), "the key's next call gets a new sandbox");
      assertThrows(IllegalArgumentException.class,
          () -> KeyedSandboxes.builder(fleet, OPTIONS).idleTimeout(Duration.ZERO));
    }
  }

  private static SandboxFleet fleet() {
    return SandboxFleet.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel()).build();
  }

  private static List<String> claims(SandboxFleet fleet) {
    return fleet.list(Map.of()).stream().map(SandboxSummary::claimName).toList();
  }
}
