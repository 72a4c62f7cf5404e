package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.internal.ClaimNames;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Creating, waiting for and deleting claims against fabric8's CRUD mock API server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxClientLifecycleTest {
  /** Long enough that a test relying on it would hit the class timeout instead. */
  private static final Duration NEVER = Duration.ofMinutes(10);

  private FakeCluster cluster;
  private MockWebServer router;

  @BeforeEach
  void start() throws IOException {
    cluster = new FakeCluster();
    router = new MockWebServer();
    router.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void stop() throws Exception {
    router.shutdown();
    cluster.close();
  }

  private SandboxClient.Builder builder() {
    return SandboxClient.builder()
        .templateName("python-runtime-template")
        .kubernetesClient(cluster.client)
        .connection(ConnectionMode.direct("http://127.0.0.1:" + router.getPort()))
        .readyTimeout(NEVER);
  }

  @Test
  void buildCreatesClaimWithGeneratedNameClientLabelAnnotationAndTemplate() throws Exception {
    FakeController controller = cluster.controller(FakeController.readyLikeClaim());
    Instant requestedAt = Instant.parse("2025-11-24T10:15:30Z");

    try (SandboxClient sandbox = builder()
        .labels(Map.of("team", "agents", "example.com/purpose", "demo"))
        .clock(Clock.fixed(requestedAt, ZoneOffset.UTC))
        .build()) {
      SandboxClaim claim = controller.seen.poll(10, TimeUnit.SECONDS);
      assertNotNull(claim);
      assertTrue(claim.getMetadata().getName().matches("sandbox-claim-[0-9a-f]{8}"),
          claim.getMetadata().getName());
      assertEquals("default", claim.getMetadata().getNamespace());
      assertEquals(Map.of("team", "agents", "example.com/purpose", "demo",
          "agents.x-k8s.io/created-by", "java-client"), claim.getMetadata().getLabels());
      assertEquals(Map.of("agents.x-k8s.io/client-first-requested-at", "2025-11-24T10:15:30Z"),
          claim.getMetadata().getAnnotations());
      assertEquals("python-runtime-template", claim.getSpec().sandboxTemplateRef().name());
      assertNull(claim.getSpec().warmpool());

      assertEquals(claim.getMetadata().getName(), sandbox.claimName());
      assertEquals(claim.getMetadata().getName(), sandbox.sandboxName());
      assertEquals("default", sandbox.namespace());
      assertEquals("python-runtime-template", sandbox.templateName());
    }
    assertNull(controller.failure.get());
  }

  @Test
  void createWhoseAnswerWasLostTakesTheClaimItMadeInsteadOfMakingASecond() {
    cluster.controller(FakeController.readyLikeClaim());
    Instant requestedAt = Instant.parse("2025-11-24T10:15:30.123Z");
    String name = ClaimNames.generate(new SplittableRandom(99));
    // What a first, answered-but-lost POST left behind; fabric8's re-send then gets 409.
    cluster.client.resource(ClaimNames.newClaim(name, "default", "python-runtime-template", Map.of(),
        requestedAt)).create();

    try (SandboxClient sandbox = builder().random(new SplittableRandom(99))
        .clock(Clock.fixed(requestedAt, ZoneOffset.UTC)).build()) {
      assertEquals(name, sandbox.claimName());
      assertEquals(1, cluster.claims().size());
    }
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void nameTakenByAnotherRequestGetsAFreshNameAndLeavesTheOtherClaimAlone() {
    cluster.controller(FakeController.readyLikeClaim());
    String name = ClaimNames.generate(new SplittableRandom(99));
    cluster.client.resource(ClaimNames.newClaim(name, "default", "python-runtime-template", Map.of(),
        Instant.parse("2024-01-01T00:00:00Z"))).create();

    try (SandboxClient sandbox = builder().random(new SplittableRandom(99)).build()) {
      assertNotEquals(name, sandbox.claimName());
      assertEquals(2, cluster.claims().size());
    }
    assertEquals(1, cluster.claims().size());
  }

  @Test
  void closeDeletesClaimIsIdempotentAndLeavesInjectedClientOpen() {
    cluster.controller(FakeController.readyLikeClaim());
    SandboxClient sandbox = builder().build();
    assertEquals(1, cluster.claims().size());

    sandbox.close();
    sandbox.close();

    // The injected client still works: close() did not close it.
    assertTrue(cluster.claims().isEmpty());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> sandbox.run("ls"));
    assertTrue(e.getMessage().contains(sandbox.claimName()), e.getMessage());
    assertTrue(e.getMessage().startsWith("SandboxClient of SandboxClaim"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> sandbox.read("a.txt"));
    assertThrows(IllegalStateException.class, () -> sandbox.files().exists("a.txt"));
  }

  @Test
  void terminateDeletesTheClaimAndClosesTheClient() {
    cluster.controller(FakeController.readyLikeClaim());
    SandboxClient sandbox = builder().build();

    sandbox.terminate();

    assertTrue(cluster.claims().isEmpty());
    assertThrows(IllegalStateException.class, () -> sandbox.run("ls"));
    assertEquals(0, sandbox.httpClient().dispatcher().runningCallsCount());
    sandbox.close();
  }

  @Test
  void readyIsRecognisedInTheLegacyV010StatusShape() {
    FakeController controller = cluster.controller(FakeController::writeLegacyReadyStatus);

    try (SandboxClient sandbox = builder().build()) {
      assertEquals(sandbox.claimName(), sandbox.sandboxName());
    }
    assertNull(controller.failure.get());
  }

  @Test
  void transientReasonsKeepWaitingUntilReady() {
    FakeController controller = cluster.controller((client, claim) -> {
      FakeController.writeStatus(client, claim, null,
          FakeController.condition("False", "SandboxCreatePending", "creating"));
      FakeController.writeStatus(client, claim, null,
          FakeController.condition("False", "ReconcilerError", "conflict, retrying"));
      // Ready without a sandbox name is not ready yet.
      FakeController.writeStatus(client, claim, null,
          FakeController.condition("True", "DependenciesReady", ""));
      FakeController.writeStatus(client, claim, "python-pool-x7k2p",
          FakeController.condition("True", "SomeFutureReason", ""));
    });

    try (SandboxClient sandbox = builder().build()) {
      assertEquals("python-pool-x7k2p", sandbox.sandboxName());
    }
    assertNull(controller.failure.get());
  }

  @Test
  void missingTemplateFailsFastAndLeavesNoClaim() {
    cluster.controller(FakeController.notReady("TemplateNotFound",
        "SandboxTemplate default/python-runtime-template not found"));

    TemplateNotFoundException e = assertThrows(TemplateNotFoundException.class,
        () -> builder().build());

    assertEquals("python-runtime-template", e.templateName());
    assertEquals("default", e.namespace().orElseThrow());
    assertTrue(e.getMessage().startsWith(
        "SandboxTemplate 'python-runtime-template' not found in namespace 'default'"), e.getMessage());
    assertTrue(e.getMessage().endsWith("create it or fix templateName"), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void missingWarmPoolFailsFastAndLeavesNoClaim() {
    cluster.controller((client, claim) -> FakeController.writeStatus(client, claim, null,
        FakeController.condition("False", "SandboxNotReady", ""),
        new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("WarmPool")
            .withStatus("False").withReason("WarmPoolNotFound").withMessage("pool 'fast' not found")
            .withLastTransitionTime(Instant.now().toString()).build()));

    ClaimFailedException e = assertThrows(ClaimFailedException.class, () -> builder().build());

    assertEquals("WarmPoolNotFound", e.reason());
    assertEquals("pool 'fast' not found", e.detail());
    assertTrue(e.claimName().isPresent());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void terminalReadyReasonFailsFast() {
    cluster.controller(FakeController.notReady("ClaimExpired", "shutdownTime passed"));

    ClaimFailedException e = assertThrows(ClaimFailedException.class, () -> builder().build());

    assertEquals("ClaimExpired", e.reason());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void shortReadyTimeoutThrowsAndLeavesNoClaim() {
    cluster.controller(FakeController.notReady("SandboxNotReady", "pod pending"));

    SandboxReadyTimeoutException e = assertThrows(SandboxReadyTimeoutException.class,
        () -> builder().readyTimeout(Duration.ofMillis(300)).build());

    assertEquals(Duration.ofMillis(300), e.timeout());
    assertTrue(e.getMessage().contains(e.claimName().orElseThrow()), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void claimDeletedWhileWaitingFailsFast() throws Exception {
    String name = ClaimNames.generate(new SplittableRandom(42));
    SandboxClaim gone = new SandboxClaim();
    gone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
    cluster.server.expect().get().withPath(FakeCluster.claimWatchPath("default", name, "1"))
        .andUpgradeToWebSocket().open(new WatchEvent(gone, "DELETED")).done().once();

    ClaimFailedException e = assertThrows(ClaimFailedException.class,
        () -> builder().random(new SplittableRandom(42)).build());

    assertEquals(ClaimFailedException.REASON_DELETED, e.reason());
    assertEquals(name, e.claimName().orElseThrow());
  }

  @Test
  void claimHeldByFinalizerAfterDeletionFailsFast() {
    cluster.controller((client, claim) -> {
      var claims = client.resources(SandboxClaim.class).inNamespace("default")
          .withName(claim.getMetadata().getName());
      claims.edit(c -> {
        c.getMetadata().setFinalizers(List.of("example.com/hold"));
        return c;
      });
      claims.delete();
    });

    ClaimFailedException e = assertThrows(ClaimFailedException.class, () -> builder().build());

    assertEquals(ClaimFailedException.REASON_DELETED, e.reason());
  }

  @Test
  void goneWatchIsRestartedWithoutLosingTheClaim() {
    String name = ClaimNames.generate(new SplittableRandom(7));
    cluster.server.expect().get().withPath(FakeCluster.claimWatchPath("default", name, "1"))
        .andUpgradeToWebSocket()
        .open(new WatchEvent(new StatusBuilder().withCode(410).withReason("Expired")
            .withMessage("too old resource version").build(), "ERROR"))
        .done().once();
    FakeController controller = cluster.controller(FakeController.readyAs("python-pool-x7k2p"));

    try (SandboxClient sandbox = builder().random(new SplittableRandom(7)).build()) {
      assertEquals(name, sandbox.claimName());
      assertEquals("python-pool-x7k2p", sandbox.sandboxName());
    }
    assertNull(controller.failure.get());
  }

  @Test
  void interruptedBuildDeletesClaimAndKeepsInterruptFlag() throws Exception {
    FakeController controller = cluster.controller((client, claim) -> { });
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    AtomicBoolean interruptFlag = new AtomicBoolean();
    Thread building = new Thread(() -> {
      try {
        builder().build().close();
        thrown.complete(null);
      } catch (Throwable t) {
        interruptFlag.set(Thread.currentThread().isInterrupted());
        thrown.complete(t);
      }
    }, "building-sandbox");
    building.start();

    assertNotNull(controller.seen.poll(10, TimeUnit.SECONDS));
    building.interrupt();
    Throwable t = thrown.get(30, TimeUnit.SECONDS);
    building.join();

    SandboxException e = assertInstanceOf(SandboxException.class, t);
    assertInstanceOf(InterruptedException.class, e.getCause());
    assertTrue(interruptFlag.get());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void warmPoolSandboxNameIsWhatTheRouterIsToldNotTheClaimName() throws Exception {
    cluster.controller(FakeController.readyAs("python-pool-x7k2p"));
    router.enqueue(new MockResponse().setBody("{\"stdout\":\"\",\"stderr\":\"\",\"exit_code\":0}"));

    try (SandboxClient sandbox = builder().namespace("team-a").sandboxPort(9000).build()) {
      assertNotEquals(sandbox.claimName(), sandbox.sandboxName());
      sandbox.run("true");
    }

    RecordedRequest request = router.takeRequest();
    assertEquals("python-pool-x7k2p", request.getHeader("X-Sandbox-ID"));
    assertEquals("team-a", request.getHeader("X-Sandbox-Namespace"));
    assertEquals("9000", request.getHeader("X-Sandbox-Port"));
  }

  @Test
  void tunnelWithoutRouterServiceFailsWithHintAndLeavesNoClaim() {
    cluster.controller(FakeController.readyLikeClaim());

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> builder().connection(ConnectionMode.tunnel()).build());

    assertTrue(e.getMessage().contains("Service 'sandbox-router-svc' not found in namespace 'default'"),
        e.getMessage());
    assertTrue(e.getMessage().contains("ConnectionMode.direct"), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void tunnelWithoutReadyRouterPodFailsAndLeavesNoClaim() {
    cluster.controller(FakeController.readyLikeClaim());
    cluster.client.services().inNamespace("agent-sandbox-system").resource(new ServiceBuilder()
        .withNewMetadata().withName("sandbox-router-svc").withNamespace("agent-sandbox-system").endMetadata()
        .withNewSpec().addToSelector("app", "sandbox-router")
        .addNewPort().withPort(8080).endPort().endSpec()
        .build()).create();

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> builder().connection(ConnectionMode.tunnel("agent-sandbox-system")).build());

    assertTrue(e.getMessage().contains("no ready pod"), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void brokenTunnelFailsBuildWithPortForwardDiagnosticsAndLeavesNoClaim() {
    cluster.controller(FakeController.readyLikeClaim());
    cluster.client.services().inNamespace("default").resource(new ServiceBuilder()
        .withNewMetadata().withName("sandbox-router-svc").endMetadata()
        .withNewSpec().addToSelector("app", "sandbox-router")
        .addNewPort().withName("http").withPort(8080).withNewTargetPort("http").endPort().endSpec()
        .build()).create();
    cluster.client.pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName("sandbox-router-0").addToLabels("app", "sandbox-router").endMetadata()
        .withNewSpec().addNewContainer().withName("router").withImage("router")
        .addNewPort().withName("http").withContainerPort(8080).endPort().endContainer().endSpec()
        .withNewStatus().withPhase("Running")
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
        .build()).create();

    // The mock API server does not implement port-forward, so the tunnel opens but every
    // connection through it fails.
    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> builder().connection(ConnectionMode.tunnel()).build());

    assertTrue(e.getMessage().contains("Port-forward to pod default/sandbox-router-0 port 8080"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Is the sandbox router deployed"), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }
}
