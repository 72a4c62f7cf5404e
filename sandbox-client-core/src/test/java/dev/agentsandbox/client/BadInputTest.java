package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ReferenceController.Release;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad value fails with its own exception and message before a claim exists, or, when
 * only the controller can tell (unknown template or pool), fails fast and deletes the claim.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {
  private static final String CRLF = "\r\n";

  private FakeCluster cluster;
  private FakeRouter router;

  private SandboxFleet fleet(Release release, ApiVersion version) throws Exception {
    cluster = new FakeCluster(release == Release.V0_5);
    cluster.referenceController(release);
    router = new FakeRouter();
    return SandboxFleet.builder().kubernetesClient(cluster.client).connection(router.mode())
        .apiVersion(version).build();
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

  static Stream<Arguments> invalidOptions() {
    return Stream.of(
        invalid("template with CRLF", b -> b.templateName("python" + CRLF + "X-Evil: 1"), "templateName"),
        invalid("template with uppercase", b -> b.templateName("Python"), "templateName"),
        invalid("namespace with CRLF", b -> b.namespace("default" + CRLF), "namespace"),
        invalid("namespace too long", b -> b.namespace("a".repeat(64)), "namespace"),
        invalid("label key with CRLF", b -> b.labels(Map.of("team" + CRLF, "a")), "label key"),
        invalid("label value with CRLF", b -> b.labels(Map.of("team", "a" + CRLF + "b")), "invalid value"),
        invalid("label value with LF", b -> b.labels(Map.of("team", "a\nb")), "invalid value"),
        invalid("created-by label", b -> b.labels(Map.of("agents.x-k8s.io/created-by", "x")), "created-by"),
        invalid("pod label with CRLF", b -> b.podLabels(Map.of("app", "x" + CRLF)), "invalid value"),
        invalid("pod label in kubernetes.io", b -> b.podLabels(Map.of("kubernetes.io/role", "x")), "restricted domain"),
        invalid("pod label in a k8s.io subdomain", b -> b.podLabels(Map.of("node.k8s.io/x", "y")), "restricted domain"),
        invalid("pod label in agents.x-k8s.io", b -> b.podLabels(Map.of("Agents.X-K8s.io/x", "y")), "prefix"),
        invalid("pod annotation in agents.x-k8s.io", b -> b.podAnnotations(Map.of("agents.x-k8s.io/pod-name", "y")), "restricted domain"),
        invalid("pod annotation key with CRLF", b -> b.podAnnotations(Map.of("a" + CRLF, "y")), "annotation key"),
        invalid("pod annotations too large", b -> b.podAnnotations(Map.of("big", "x".repeat(300_000))), "262144"),
        invalid("env name with CRLF", b -> b.env("A" + CRLF, "1"), "environment variable name"),
        invalid("env name starting with a digit", b -> b.env("1A", "1"), "environment variable name"),
        invalid("env twice", b -> b.env("A", "1").env("A", "2"), "already set"),
        invalid("env container with CRLF", b -> b.containerEnv("main" + CRLF, "A", "1"), "containerName"),
        invalid("zero ttl", b -> b.ttl(Duration.ZERO), "ttl must be positive"),
        invalid("negative ttl", b -> b.ttl(Duration.ofSeconds(-5)), "ttl must be positive"),
        invalid("zero ready timeout", b -> b.readyTimeout(Duration.ZERO), "readyTimeout must be positive"),
        invalid("negative ready timeout", b -> b.readyTimeout(Duration.ofMillis(-1)), "readyTimeout must be positive"),
        invalid("ready timeout over a day", b -> b.readyTimeout(Duration.ofDays(2)), "readyTimeout must be at most"),
        invalid("volume without name", b -> b.volumeClaimTemplate(new PersistentVolumeClaimTemplateBuilder()
            .withNewSpec().endSpec().build()), "metadata.name"),
        invalid("volume without spec", b -> b.volumeClaimTemplate(new PersistentVolumeClaimTemplateBuilder()
            .withNewMetadata().withName("work").endMetadata().build()), "needs a spec"),
        invalid("volume named twice", b -> b.volumeClaimTemplate(volume("work")).volumeClaimTemplate(volume("work")), "already added"));
  }

  private static Arguments invalid(String what, Consumer<SandboxOptions.Builder> setting, String message) {
    return Arguments.of(what, setting, message);
  }

  static PersistentVolumeClaimTemplate volume(String name) {
    return new PersistentVolumeClaimTemplateBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
        .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
        .endResources().endSpec().build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOptions")
  void invalidOptionFailsInTheBuilder(String what, Consumer<SandboxOptions.Builder> setting,
      String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> setting.accept(SandboxOptions.builder().templateName("python-runtime-template")));

    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void warmPoolNameWithCrlfIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WarmPool.named("fast" + CRLF));
    assertTrue(e.getMessage().contains("warm pool name"), e.getMessage());
  }

  @Test
  void optionsWithoutTemplateOrNamedPoolCannotBeBuilt() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> SandboxOptions.builder().warmPool(WarmPool.any()).build());
    assertTrue(e.getMessage().contains("templateName is required"), e.getMessage());
  }

  @Test
  void zeroOrNegativeTimeoutsAreRefusedEverywhere() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      assertThrows(IllegalArgumentException.class, () -> SandboxFleet.builder().readyTimeout(Duration.ZERO));
      assertThrows(IllegalArgumentException.class, () -> SandboxFleet.builder().runTimeout(Duration.ofSeconds(-1)));
      assertThrows(IllegalArgumentException.class, () -> SandboxFleet.builder().connectTimeout(Duration.ZERO));
      assertThrows(IllegalArgumentException.class, () -> SandboxFleet.builder().readTimeout(Duration.ofNanos(-1)));
      Sandbox sandbox = fleet.create(SandboxOptions.ofTemplate(ReferenceController.TEMPLATE));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> sandbox.commands().run("ls", Duration.ZERO));
      assertTrue(e.getMessage().contains("timeout must be positive"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> sandbox.commands().run("ls", Duration.ofSeconds(-3)));
      assertEquals(0, router.server.getRequestCount(), "no command was sent");
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void invalidNamesForAttachAndListAreRefusedBeforeAnyCall() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      assertThrows(IllegalArgumentException.class, () -> fleet.attach("sandbox-claim-1" + CRLF));
      assertThrows(IllegalArgumentException.class, () -> fleet.attach("Default", "sandbox-claim-1"));
      assertThrows(IllegalArgumentException.class, () -> fleet.list(Map.of("a", "b" + CRLF)));
      ClaimNotFoundException e = assertThrows(ClaimNotFoundException.class,
          () -> fleet.attach("sandbox-claim-00000000"));
      assertEquals("sandbox-claim-00000000", e.claimName().orElseThrow());
    }
  }

  @Test
  void unknownTemplateFailsFastAndLeavesNoClaim() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      TemplateNotFoundException e = assertThrows(TemplateNotFoundException.class,
          () -> fleet.create(SandboxOptions.ofTemplate("no-such-template")));

      assertEquals("no-such-template", e.templateName());
      assertTrue(e.getMessage().contains("create it or fix templateName"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void unknownWarmPoolOnV1alpha1FailsFastAndLeavesNoClaim() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      WarmPoolNotFoundException e = assertThrows(WarmPoolNotFoundException.class,
          () -> fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
              .warmPool(WarmPool.named("no-such-pool")).build()));

      assertEquals("no-such-pool", e.warmPoolName());
      assertEquals("WarmPoolNotFound", e.reason());
      assertTrue(e.getMessage().contains("create the pool or fix the warm pool name"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void unknownWarmPoolOnV1beta1FailsFastAndLeavesNoClaim() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_5, ApiVersion.AUTO)) {
      WarmPoolNotFoundException e = assertThrows(WarmPoolNotFoundException.class,
          () -> fleet.create(SandboxOptions.builder().warmPool(WarmPool.named("no-such-pool")).build()));

      assertEquals("no-such-pool", e.warmPoolName());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void volumeClaimTemplatesOnAV1alpha1OnlyClusterAreRefusedBeforeCreating() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
              .warmPool(WarmPool.named("fast-pool")).volumeClaimTemplate(volume("work")).build()));

      assertTrue(e.getMessage().contains("volume claim templates need a v1beta1 claim"), e.getMessage());
      assertTrue(e.getMessage().contains("does not serve extensions.agents.x-k8s.io/v1beta1"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void volumeClaimTemplatesWithForcedV1alpha1AreRefused() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_5, ApiVersion.V1ALPHA1)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
              .warmPool(WarmPool.named("fast-pool")).volumeClaimTemplate(volume("work")).build()));

      assertTrue(e.getMessage().contains("ApiVersion.V1ALPHA1"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void forcedV1beta1WithoutANamedPoolIsRefused() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_5, ApiVersion.V1BETA1)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fleet.create(SandboxOptions.ofTemplate(ReferenceController.TEMPLATE)));

      assertTrue(e.getMessage().contains("named warm pool"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void poolWithoutTemplateOnAV1alpha1OnlyClusterNeedsAnExistingPool() throws Exception {
    // A v1alpha1 claim names its template: the client reads it off the pool, which must exist.
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fleet.create(SandboxOptions.builder().warmPool(WarmPool.named("fast-pool")).build()));

      assertTrue(e.getMessage().contains("SandboxWarmPool 'fast-pool' does not exist"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void envWithAWarmPoolOnV1alpha1IsRefused() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
              .warmPool(WarmPool.any()).env("A", "1").build()));

      assertTrue(e.getMessage().contains("WarmPool.none()"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }

  @Test
  void poolsNamedLikeV1alpha1PoliciesAreRefused() throws Exception {
    try (SandboxFleet fleet = fleet(Release.V0_4, ApiVersion.AUTO)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fleet.create(SandboxOptions.builder().templateName(ReferenceController.TEMPLATE)
              .warmPool(WarmPool.named("none")).build()));

      assertTrue(e.getMessage().contains("is a policy"), e.getMessage());
    }
    assertEquals(0, cluster.claimCount());
  }
}
