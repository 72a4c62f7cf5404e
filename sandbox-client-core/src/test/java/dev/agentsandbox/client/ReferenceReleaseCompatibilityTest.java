package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ReferenceController.Release;
import dev.agentsandbox.model.SandboxKeys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both API shapes against emulations of the reference controller releases whose differences a
 * client must tolerate: claim status shapes, sandbox and pod naming, and API versions.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public class ReferenceReleaseCompatibilityTest {
  private FakeCluster cluster;
  private FakeRouter router;

  private void start(Release release) throws Exception {
    cluster = new FakeCluster(release == Release.V0_5);
    cluster.referenceController(release);
    router = new FakeRouter();
  }

  @AfterEach
  void stop() throws Exception {
    if (router != null) {
      router.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** What each release is asked for: v0.5 gets a named pool, so a v1beta1 claim. */
  private static SandboxOptions options(Release release) {
    SandboxOptions.Builder options = SandboxOptions.builder()
        .templateName(ReferenceController.TEMPLATE)
        .labels(Map.of("suite", "compat"));
    if (release == Release.V0_5) {
      options.warmPool(WarmPool.named("fast-pool"));
    }
    return options.build();
  }

  private void assertResolvedLikeTheRelease(Release release, Sandbox sandbox) {
    switch (release) {
      case V0_1_0 -> {
        assertEquals(sandbox.claimName(), sandbox.sandboxName());
        assertEquals(sandbox.claimName(), sandbox.podName(), "no pod-name annotation");
        assertEquals(Optional.empty(), sandbox.podIp());
      }
      case V0_4 -> {
        assertTrue(sandbox.sandboxName().startsWith("python-pool-"), sandbox.sandboxName());
        assertEquals(sandbox.sandboxName() + "-pod", sandbox.podName());
        assertEquals(Optional.of("10.0.0.7"), sandbox.podIp());
      }
      case V0_5 -> {
        assertTrue(sandbox.sandboxName().startsWith("fast-pool-"), sandbox.sandboxName());
        assertEquals(sandbox.sandboxName() + "-pod", sandbox.podName());
        assertEquals(Optional.of("10.0.0.7"), sandbox.podIp(), "IPv4 preferred");
      }
      default -> throw new AssertionError(release);
    }
    assertTrue(sandbox.claimName().matches("sandbox-claim-[0-9a-f]{8}"), sandbox.claimName());
    assertEquals(SandboxState.Phase.READY, sandbox.status().phase());
    assertEquals("default/" + sandbox.sandboxName(), sandbox.commands().run("whoami").stdout());
  }

  private void assertClaimVersion(Release release, String claimName) {
    if (release == Release.V0_5) {
      var claim = cluster.client.resources(dev.agentsandbox.model.v1beta1.SandboxClaim.class)
          .inNamespace("default").withName(claimName).get();
      assertEquals("fast-pool", claim.getSpec().warmPoolRef().name());
      assertEquals("java-client", claim.getMetadata().getLabels().get(SandboxKeys.CREATED_BY));
    } else {
      var claim = cluster.client.resources(dev.agentsandbox.model.v1alpha1.SandboxClaim.class)
          .inNamespace("default").withName(claimName).get();
      assertEquals(ReferenceController.TEMPLATE, claim.getSpec().sandboxTemplateRef().name());
      assertNull(claim.getSpec().warmpool());
    }
  }

  private void assertNothingLeft() {
    awaitTrue(() -> cluster.claimCount() == 0 && cluster.sandboxCount() == 0,
        "claims and sandboxes deleted");
  }

  @ParameterizedTest
  @EnumSource(Release.class)
  void fleetCreatesResolvesRunsAndTerminates(Release release) throws Exception {
    start(release);
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client)
        .connection(router.mode()).build()) {
      Sandbox sandbox = fleet.create(options(release));

      assertClaimVersion(release, sandbox.claimName());
      assertResolvedLikeTheRelease(release, sandbox);
      assertEquals(List.of(sandbox.claimName()), fleet.list(Map.of("suite", "compat")).stream()
          .map(SandboxSummary::claimName).toList());

      sandbox.terminate();
      assertNothingLeft();
      assertEquals(SandboxState.Phase.NOT_FOUND, sandbox.status().phase());
    }
  }

  @ParameterizedTest
  @EnumSource(Release.class)
  void tutorialClientCreatesResolvesRunsAndDeletesOnClose(Release release) throws Exception {
    start(release);
    SandboxClient.Builder builder = SandboxClient.builder()
        .kubernetesClient(cluster.client)
        .connection(router.mode())
        .templateName(ReferenceController.TEMPLATE);
    if (release == Release.V0_5) {
      builder.warmPool(WarmPool.named("fast-pool"));
    }
    try (SandboxClient client = builder.build()) {
      assertClaimVersion(release, client.claimName());
      assertResolvedLikeTheRelease(release, client);
      assertEquals("default/" + client.sandboxName(), client.run("whoami").stdout());
    }
    assertNothingLeft();
  }

  @ParameterizedTest
  @EnumSource(Release.class)
  void anotherFleetAttachesToAKeptClaimAfterARestart(Release release) throws Exception {
    start(release);
    String claimName;
    String sandboxName;
    try (SandboxFleet before = SandboxFleet.builder().kubernetesClient(cluster.client)
        .connection(router.mode()).keepClaimsOnClose(true).build()) {
      Sandbox sandbox = before.create(options(release));
      claimName = sandbox.claimName();
      sandboxName = sandbox.sandboxName();
    }
    assertEquals(1, cluster.claimCount());

    try (SandboxFleet after = SandboxFleet.builder().kubernetesClient(cluster.client)
        .connection(router.mode()).build()) {
      Sandbox again = after.attach(claimName);

      assertEquals(sandboxName, again.sandboxName());
      assertEquals("default/" + sandboxName, again.commands().run("whoami").stdout());
      again.terminate();
    }
    assertNothingLeft();
  }

  @ParameterizedTest
  @EnumSource(value = Release.class, names = {"V0_4", "V0_5"})
  void coldCreateWithoutWarmPoolNamesTheSandboxLikeTheClaim(Release release) throws Exception {
    start(release);
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client)
        .connection(router.mode()).build()) {
      Sandbox sandbox = fleet.create(SandboxOptions.builder()
          .templateName(ReferenceController.TEMPLATE).warmPool(WarmPool.none()).build());

      assertEquals(sandbox.claimName(), sandbox.sandboxName());
      assertEquals(sandbox.claimName(), sandbox.podName());
      var claim = cluster.client.resources(dev.agentsandbox.model.v1alpha1.SandboxClaim.class)
          .inNamespace("default").withName(sandbox.claimName()).get();
      assertEquals("none", claim.getSpec().warmpool());
    }
    assertNothingLeft();
  }

  @ParameterizedTest
  @EnumSource(value = Release.class, names = {"V0_4", "V0_5"})
  void adoptedSandboxIsRoutedByItsOwnNameNotTheClaims(Release release) throws Exception {
    start(release);
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client)
        .connection(router.mode()).build()) {
      Sandbox sandbox = fleet.create(SandboxOptions.builder()
          .templateName(ReferenceController.TEMPLATE).warmPool(WarmPool.named("python-pool"))
          .build());

      assertNotEquals(sandbox.claimName(), sandbox.sandboxName());
      assertEquals("default/" + sandbox.sandboxName(), sandbox.commands().run("id").stdout());
    }
    assertNothingLeft();
  }

  public static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      // A poll interval, not a synchronisation: the condition is re-checked until the deadline.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }
}
