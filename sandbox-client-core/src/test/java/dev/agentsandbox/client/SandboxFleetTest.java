package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ReferenceController.Release;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The handle shape: many sandboxes, attach, list, terminate, disconnect and close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxFleetTest {
  private FakeCluster cluster;
  private FakeRouter router;

  @BeforeEach
  void start() throws Exception {
    cluster = new FakeCluster();
    cluster.referenceController(Release.V0_4);
    router = new FakeRouter();
  }

  @AfterEach
  void stop() throws Exception {
    router.close();
    cluster.close();
  }

  private SandboxFleet.Builder fleet() {
    return SandboxFleet.builder().kubernetesClient(cluster.client).connection(router.mode());
  }

  private static SandboxOptions template() {
    return SandboxOptions.ofTemplate(ReferenceController.TEMPLATE);
  }

  private SandboxClaim claim(String name) {
    return cluster.client.resources(SandboxClaim.class).inNamespace("default").withName(name).get();
  }

  @Test
  void claimCarriesEveryOption() throws Exception {
    Instant now = Instant.parse("2025-11-24T10:15:30Z");
    try (SandboxFleet fleet = fleet().clock(Clock.fixed(now, ZoneOffset.UTC)).build()) {
      Sandbox sandbox = fleet.create(SandboxOptions.builder()
          .templateName(ReferenceController.TEMPLATE)
          .labels(Map.of("agent", "planner"))
          .podLabels(Map.of("example.com/team", "a"))
          .podAnnotations(Map.of("example.com/note", "multi\nline is fine"))
          .env("TASK_ID", "42")
          .containerEnv("python-runtime", "MODE", "fast")
          .ttl(Duration.ofHours(2))
          .build());

      SandboxClaim claim = claim(sandbox.claimName());
      assertEquals(Map.of("agent", "planner", SandboxKeys.CREATED_BY, "java-client"),
          claim.getMetadata().getLabels());
      assertEquals("2025-11-24T10:15:30Z",
          claim.getMetadata().getAnnotations().get(SandboxKeys.CLIENT_FIRST_REQUESTED_AT));
      assertFalse(claim.getMetadata().getAnnotations().containsKey(SandboxKeys.TRACE_CONTEXT));
      assertEquals("2025-11-24T12:15:30Z", claim.getSpec().lifecycle().shutdownTime());
      assertEquals("Delete", claim.getSpec().lifecycle().shutdownPolicy());
      assertEquals(Map.of("example.com/team", "a"), claim.getSpec().additionalPodMetadata().labels());
      assertEquals(Map.of("example.com/note", "multi\nline is fine"),
          claim.getSpec().additionalPodMetadata().annotations());
      assertEquals("none", claim.getSpec().warmpool(), "env needs a fresh sandbox");
      assertEquals(2, claim.getSpec().env().size());
      assertEquals("TASK_ID", claim.getSpec().env().get(0).name());
      assertEquals("python-runtime", claim.getSpec().env().get(1).containerName());
    }
  }

  @Test
  void manySandboxesFromManyThreadsEachGetTheirOwnClaim() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (SandboxFleet fleet = fleet().build()) {
      List<Future<Sandbox>> created = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        created.add(threads.submit(() -> fleet.create(template())));
      }
      Set<String> claims = new HashSet<>();
      for (Future<Sandbox> f : created) {
        Sandbox sandbox = f.get(30, TimeUnit.SECONDS);
        claims.add(sandbox.claimName());
        assertEquals("default/" + sandbox.sandboxName(), sandbox.commands().run("id").stdout());
      }
      assertEquals(6, claims.size());
      assertEquals(6, fleet.sandboxes().size());
      assertEquals(6, cluster.claimCount());
    } finally {
      threads.shutdown();
      assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void terminateAllDeletesWhatTheFleetCreatedButNotWhatItAttachedTo() throws Exception {
    String foreign;
    try (SandboxFleet other = fleet().keepClaimsOnClose(true).build()) {
      foreign = other.create(template()).claimName();
    }
    try (SandboxFleet fleet = fleet().build()) {
      Sandbox a = fleet.create(template());
      fleet.create(template());
      Sandbox attached = fleet.attach(foreign);
      assertFalse(attached.podName().isEmpty());

      fleet.terminateAll();

      assertEquals(List.of(attached), fleet.sandboxes());
      assertEquals(1, cluster.claimCount());
      assertNotNull(claim(foreign));
      assertThrows(IllegalStateException.class, () -> a.commands().run("ls"));
    }
    assertNotNull(claim(foreign), "closing keeps attached claims");
  }

  @Test
  void disconnectKeepsTheClaimAndTheFleetForgetsIt() throws Exception {
    String claimName;
    try (SandboxFleet fleet = fleet().build()) {
      Sandbox sandbox = fleet.create(template());
      claimName = sandbox.claimName();

      sandbox.disconnect();
      sandbox.disconnect();

      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> sandbox.files().exists("x"));
      assertTrue(e.getMessage().contains("disconnected: attach to it again"), e.getMessage());
      assertEquals(claimName, sandbox.claimName());
      assertTrue(fleet.sandboxes().isEmpty());
      fleet.terminateAll();
    }
    assertNotNull(claim(claimName));
  }

  @Test
  void closeDeletesCreatedClaimsUnlessToldToKeepThem() throws Exception {
    SandboxFleet fleet = fleet().build();
    Sandbox sandbox = fleet.create(template());
    fleet.close();
    fleet.close();

    assertEquals(0, cluster.claimCount());
    assertThrows(IllegalStateException.class, () -> sandbox.commands().run("ls"));
    assertThrows(IllegalStateException.class, () -> fleet.create(template()));
    assertThrows(IllegalStateException.class, () -> fleet.list(Map.of()));

    try (SandboxFleet keeping = fleet().keepClaimsOnClose(true).build()) {
      keeping.create(template());
    }
    assertEquals(1, cluster.claimCount());
  }

  @Test
  void terminateIsIdempotentAndSurvivesAClaimAlreadyGone() throws Exception {
    try (SandboxFleet fleet = fleet().build()) {
      Sandbox sandbox = fleet.create(template());
      cluster.client.resources(SandboxClaim.class).inNamespace("default")
          .withName(sandbox.claimName()).delete();

      sandbox.terminate();
      sandbox.terminate();

      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> sandbox.commands().run("ls"));
      assertTrue(e.getMessage().contains("terminated: create a new one"), e.getMessage());
    }
  }

  @Test
  void shutdownHookTerminatesWhatTheFleetCreated() throws Exception {
    try (SandboxFleet fleet = fleet().terminateOnShutdown(true).build()) {
      fleet.create(template());

      fleet.runShutdownCleanup();

      assertEquals(0, cluster.claimCount());
      assertTrue(fleet.sandboxes().isEmpty());
    }
  }

  @Test
  void listFindsClaimsByLabelAsSummaries() throws Exception {
    try (SandboxFleet fleet = fleet().build()) {
      Sandbox planner = fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
          .labels(Map.of("agent", "planner", "run", "7")).build());
      fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
          .labels(Map.of("agent", "coder", "run", "7")).build());

      List<SandboxSummary> planners = fleet.list(Map.of("agent", "planner"));
      assertEquals(1, planners.size());
      SandboxSummary summary = planners.get(0);
      assertEquals(planner.claimName(), summary.claimName());
      assertEquals("default", summary.namespace());
      assertEquals(planner.sandboxName(), summary.sandboxName());
      assertTrue(summary.ready());
      assertEquals("planner", summary.labels().get("agent"));
      assertEquals(2, fleet.list(Map.of("run", "7")).size());
      assertTrue(fleet.list(Map.of("run", "8")).isEmpty());
      assertTrue(fleet.list("other", Map.of()).isEmpty());
    }
  }

  @Test
  void statusFollowsTheSandboxReadyCondition() throws Exception {
    try (SandboxFleet fleet = fleet().build()) {
      Sandbox sandbox = fleet.create(template());
      assertTrue(sandbox.status().isReady());

      cluster.client.genericKubernetesResources(FakeCluster.SANDBOXES).inNamespace("default")
          .withName(sandbox.sandboxName()).edit(s -> {
            s.setAdditionalProperty("status", Map.of("conditions", List.of(
                ReferenceController.condition("False", "SandboxExpired", "Sandbox has expired"))));
            return s;
          });
      SandboxState expired = sandbox.status();
      assertEquals(new SandboxState(SandboxState.Phase.NOT_READY, "SandboxExpired",
          "Sandbox has expired"), expired);

      cluster.client.genericKubernetesResources(FakeCluster.SANDBOXES).inNamespace("default")
          .withName(sandbox.sandboxName()).delete();
      assertEquals(SandboxState.Phase.NOT_FOUND, sandbox.status().phase());
      assertEquals(sandbox.sandboxName(), sandbox.podName(), "falls back to the sandbox name");
    }
  }

  @Test
  void attachWaitsForAClaimThatIsNotReadyYet() throws Exception {
    String claimName;
    try (SandboxFleet before = fleet().keepClaimsOnClose(true).build()) {
      claimName = before.create(template()).claimName();
    }
    // The claim loses its status, as after a controller restart; attach waits for it again.
    cluster.client.resources(SandboxClaim.class).inNamespace("default").withName(claimName)
        .editStatus(c -> {
          c.setStatus(null);
          return c;
        });
    try (SandboxFleet after = fleet().readyTimeout(Duration.ofMillis(300)).build()) {
      SandboxReadyTimeoutException e = assertThrows(SandboxReadyTimeoutException.class,
          () -> after.attach(claimName));
      assertEquals(claimName, e.claimName().orElseThrow());
    }
    assertNotNull(claim(claimName), "a failed attach leaves the claim alone");
  }
}
