package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.FakeCluster;
import dev.agentsandbox.client.FakeController;
import dev.agentsandbox.client.FakeRouter;
import dev.agentsandbox.client.ReferenceReleaseCompatibilityTest;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxRestartedException;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A sandbox whose pod is replaced behind the client's back: the claim's status shows it (Ready
 * going False and back, or other pod IPs), and the next call says so once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxRestartTest {
  private static final List<String> FIRST_POD = List.of("10.0.0.7");

  private FakeCluster cluster;
  private FakeRouter router;

  @BeforeEach
  void start() throws Exception {
    cluster = new FakeCluster();
    router = new FakeRouter();
  }

  @AfterEach
  void stop() throws Exception {
    router.close();
    cluster.close();
  }

  private SandboxFleet fleet() {
    return SandboxFleet.builder().kubernetesClient(cluster.client).connection(router.mode())
        .build();
  }

  private static SandboxOptions template() {
    return SandboxOptions.ofTemplate("python");
  }

  private void status(String claimName, String sandboxName, List<String> podIPs,
      Condition... conditions) {
    cluster.client.resources(SandboxClaim.class).inNamespace("default").withName(claimName)
        .editStatus(c -> {
          c.setStatus(new SandboxClaimStatus(List.of(conditions),
              sandboxName == null ? null : new ClaimedSandbox(sandboxName, podIPs)));
          return c;
        });
  }

  private static Condition ready() {
    return FakeController.condition("True", "DependenciesReady", "");
  }

  private static Condition notReady() {
    return FakeController.condition("False", "SandboxNotReady", "Sandbox is not ready");
  }

  private static SandboxHandle handle(Sandbox sandbox) {
    return (SandboxHandle) sandbox;
  }

  @Test
  void PodDeleted_readyFalseThenTrueOnANewPodIsReportedOnceThenCallsRunOnTheNewPod() throws Exception {
    cluster.controller(FakeController.readyLikeClaim());
    try (SandboxFleet fleet = fleet()) {
      Sandbox sandbox = fleet.create(template());
      String claim = sandbox.claimName();
      assertEquals("default/" + claim, sandbox.commands().run("id").stdout());

      status(claim, claim, null, notReady());
      status(claim, claim, List.of("10.0.0.8"), ready());
      ReferenceReleaseCompatibilityTest.awaitTrue(() -> handle(sandbox).restartPending(),
          "the client notices the new pod");

      SandboxRestartedException restarted = assertThrows(SandboxRestartedException.class,
          () -> sandbox.files().read("kept.txt"));
      assertEquals(FIRST_POD, restarted.previousPodIPs());
      assertEquals(List.of("10.0.0.8"), restarted.currentPodIPs());
      assertEquals(claim, restarted.claimName().orElseThrow());
      assertEquals("default", restarted.namespace().orElseThrow());
      assertEquals(claim, restarted.sandboxName());
      assertNull(restarted.getCause(), "the call was not run");
      assertTrue(restarted.getMessage().contains("files written and processes started before are lost"),
          restarted.getMessage());
      assertTrue(restarted.getMessage().contains("'" + claim + "' in namespace 'default'"),
          restarted.getMessage());

      assertFalse(handle(sandbox).restartPending());
      assertEquals("default/" + claim, sandbox.commands().run("id").stdout(), "reported once");
      assertEquals("default/" + claim, sandbox.commands().run("id").stdout());
    }
  }

  @Test
  void PodDeleted_podIpsChangedWhileReadyIsReported() throws Exception {
    cluster.controller(FakeController.readyLikeClaim());
    try (SandboxFleet fleet = fleet()) {
      Sandbox sandbox = fleet.create(template());
      String claim = sandbox.claimName();

      status(claim, claim, List.of("10.0.0.9"), ready());
      ReferenceReleaseCompatibilityTest.awaitTrue(() -> handle(sandbox).restartPending(),
          "the client notices the new pod");

      SandboxRestartedException restarted = assertThrows(SandboxRestartedException.class,
          () -> sandbox.commands().run("id"));
      assertEquals(List.of("10.0.0.9"), restarted.currentPodIPs());
      assertEquals("default/" + claim, sandbox.commands().run("id").stdout());
    }
  }

  @Test
  void PodDeleted_legacyStatusWithoutPodIpsNotReadyAndReadyAgainIsReported() throws Exception {
    cluster.controller((client, claim) -> FakeController.writeLegacyReadyStatus(client, claim));
    try (SandboxFleet fleet = fleet()) {
      Sandbox sandbox = fleet.create(template());
      String claim = sandbox.claimName();

      status(claim, claim, null, notReady());
      status(claim, claim, null, ready());
      ReferenceReleaseCompatibilityTest.awaitTrue(() -> handle(sandbox).restartPending(),
          "the client notices the sandbox was not ready and ready again");

      SandboxRestartedException restarted = assertThrows(SandboxRestartedException.class,
          () -> sandbox.files().exists("kept.txt"));
      assertEquals(List.of(), restarted.previousPodIPs());
      assertTrue(restarted.getMessage().contains("may be lost"), restarted.getMessage());
      assertEquals("default/" + claim, sandbox.commands().run("id").stdout());
    }
  }

  @Test
  void PodDeleted_warmPoolAdoptionBeforeReadinessAndAnUnreadyBlipAreNotReported() throws Exception {
    // Adopted from a pool: the sandbox is named before Ready, then Ready=False, then True.
    cluster.controller((client, claim) -> {
      String name = claim.getMetadata().getName();
      status(name, "pool-" + name, FIRST_POD);
      status(name, "pool-" + name, FIRST_POD, notReady());
      status(name, "pool-" + name, FIRST_POD, ready());
    });
    try (SandboxFleet fleet = fleet()) {
      Sandbox first = fleet.create(template());
      // The second is registered while the shared watch of the first already runs.
      Sandbox second = fleet.create(template());
      assertEquals("pool-" + second.claimName(), second.sandboxName());

      // Unready for a moment on the same pod: no replacement.
      status(second.claimName(), second.sandboxName(), FIRST_POD, notReady());
      status(second.claimName(), second.sandboxName(), FIRST_POD, ready());
      // Events arrive in order: once the first's replacement is seen, the second's are too.
      status(first.claimName(), first.sandboxName(), List.of("10.0.0.8"), ready());
      ReferenceReleaseCompatibilityTest.awaitTrue(() -> handle(first).restartPending(),
          "the client notices the first sandbox's new pod");

      assertFalse(handle(second).restartPending());
      assertEquals("default/" + second.sandboxName(), second.commands().run("id").stdout());
      assertThrows(SandboxRestartedException.class, () -> first.commands().run("id"));
    }
  }

  @Test
  void PodDeleted_replacementNoticedWhileACallRunsBecomesThatCallsFailure() throws Exception {
    cluster.controller(FakeController.readyLikeClaim());
    AtomicReference<SandboxHandle> current = new AtomicReference<>();
    // The pod is replaced while the command runs, and the command fails.
    try (MockWebServer dying = new MockWebServer()) {
      dying.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if (!"/execute".equals(request.getPath())) {
            return new MockResponse().setBody("{\"status\": \"ok\"}");
          }
          SandboxHandle sandbox = current.get();
          status(sandbox.claimName(), sandbox.sandboxName(), List.of("10.0.0.8"), ready());
          ReferenceReleaseCompatibilityTest.awaitTrue(sandbox::restartPending,
              "the client notices the new pod");
          return new MockResponse().setResponseCode(500).setBody("pod went away");
        }
      });
      dying.start(InetAddress.getLoopbackAddress(), 0);
      try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client)
          .connection(ConnectionMode.direct("http://127.0.0.1:" + dying.getPort())).build()) {
        SandboxHandle sandbox = handle(fleet.create(template()));
        current.set(sandbox);

        SandboxRestartedException restarted = assertThrows(SandboxRestartedException.class,
            () -> sandbox.commands().run("make build"));
        assertTrue(restarted.getCause() instanceof SandboxRequestException, restarted.toString());
        assertTrue(restarted.getMessage().contains("this call failed"), restarted.getMessage());
        assertFalse(sandbox.restartPending(), "reported once");
      }
    }
  }

  @Test
  void PodDeleted_closeEndsTheClaimWatch() throws Exception {
    cluster.controller(FakeController.readyLikeClaim());
    SandboxHandle sandbox;
    SandboxHandle other;
    try (SandboxFleet fleet = fleet()) {
      sandbox = handle(fleet.create(template()));
      other = handle(fleet.create(template()));
      assertEquals(1, sandbox.restartWatch().informerCount(), "one watch for the fleet's claims");
      sandbox.terminate();
      assertEquals(1, other.restartWatch().informerCount(), "still watching the other");
    }
    assertEquals(0, other.restartWatch().informerCount());
  }
}
