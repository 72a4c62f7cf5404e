package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.controller.ControllerOptions;
import dev.agentsandbox.controller.SandboxController;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.testing.ClusterAwaits;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Warm pools on the embedded cluster: real pods, real readiness, claims adopting pool Sandboxes. */
@SandboxTest
class WarmPoolEndToEndTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String TEMPLATE = "python-runtime-template";
  private static final String POOL = "python-sandbox-warmpool";

  private static LocalSandboxCluster cluster;
  private static KubernetesClient client;

  @Test
  void tutorialPoolKeepsTwoReadySandboxesAndRefillsAfterAClaimAdoptsOne() {
    cluster.apply(tutorialManifest(cluster));
    String ns = "default";
    awaitReadyMembers(client, ns, POOL, 2);

    SandboxClaim claim = client.resource(claim(ns, "python-sandbox-example", TEMPLATE)).create();
    SandboxClaim ready = awaitClaimReady(client, ns, claim.getMetadata().getName());
    String sandbox = ready.getStatus().sandbox().name();
    assertNotEquals(claim.getMetadata().getName(), sandbox);
    assertTrue(sandbox.matches(POOL + "-[a-z0-9]{5}"), sandbox);
    assertOnlyOwner(client.resources(Sandbox.class).inNamespace(ns).withName(sandbox).get(), ready);

    awaitReadyMembers(client, ns, POOL, 2);
    ClusterAwaits.state(client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL),
        pool -> pool != null && pool.getStatus() != null
            && Integer.valueOf(2).equals(pool.getStatus().readyReplicas()),
        TIMEOUT);
  }

  @Test
  void fiftyClaimsAtOnceAgainstAPoolOfTenEachGetTheirOwnSandbox() throws Exception {
    String ns = "race";
    apply(inNamespace(tutorialManifest(cluster), ns));
    client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":10}}");
    awaitReadyMembers(client, ns, POOL, 10);

    ExecutorService creators = Executors.newFixedThreadPool(8);
    List<SandboxClaim> claims = new ArrayList<>();
    try {
      List<Future<SandboxClaim>> created = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        SandboxClaim claim = claim(ns, "race-" + i, TEMPLATE);
        created.add(creators.submit(() -> client.resource(claim).create()));
      }
      for (Future<SandboxClaim> future : created) {
        claims.add(future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      }
    } finally {
      creators.shutdownNow();
    }

    ClusterAwaits.items(client.resources(SandboxClaim.class).inNamespace(ns),
        all -> all.stream().filter(WarmPoolEndToEndTest::ready).count() == 50, TIMEOUT);
    Set<String> sandboxes = new HashSet<>();
    int warm = 0;
    for (SandboxClaim claim : claims) {
      SandboxClaim bound = client.resources(SandboxClaim.class).inNamespace(ns).withName(claim.getMetadata().getName())
          .get();
      String name = bound.getStatus().sandbox().name();
      assertTrue(sandboxes.add(name), "Sandbox " + name + " serves two claims");
      assertOnlyOwner(client.resources(Sandbox.class).inNamespace(ns).withName(name).get(), bound);
      warm += name.startsWith(POOL + "-") ? 1 : 0;
    }
    assertTrue(warm >= 1, "some claims were served from the pool");
    for (Sandbox sandbox : client.resources(Sandbox.class).inNamespace(ns).list().getItems()) {
      List<OwnerReference> owners = sandbox.getMetadata().getOwnerReferences();
      assertEquals(1, owners.size(), sandbox.getMetadata().getName() + " has " + owners);
    }
    awaitReadyMembers(client, ns, POOL, 10);
  }

  @Test
  void scaleSubresourceOfAPoolReadsAndSetsItsReplicas() {
    String ns = "scaled";
    apply(inNamespace(tutorialManifest(cluster), ns));
    awaitReadyMembers(client, ns, POOL, 2);
    ClusterAwaits.state(client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL),
        pool -> pool != null && pool.getStatus() != null && Integer.valueOf(2).equals(pool.getStatus().replicas()),
        TIMEOUT);

    var pool = client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL);
    Scale scale = pool.scale();
    assertEquals(2, scale.getSpec().getReplicas());
    assertEquals(2, scale.getStatus().getReplicas());
    assertEquals(SandboxKeys.WARM_POOL_SANDBOX + "=" + NameHash.of(POOL), scale.getStatus().getSelector());

    pool.scale(3);
    assertEquals(3, pool.get().getSpec().replicas());
    awaitReadyMembers(client, ns, POOL, 3);
    pool.subresource("scale").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":1}}");
    assertEquals(1, pool.get().getSpec().replicas());
    awaitReadyMembers(client, ns, POOL, 1);
  }

  /** A cluster without its own controller: the test starts and stops one itself. */
  @Nested
  @SandboxTest(controller = false)
  class WithoutController {
    @Test
    void aClaimLabelledWithAPoolSandboxGetsItWhenTheControllerStartsAgain(LocalSandboxCluster bare,
        KubernetesClient bareClient) {
      String ns = "default";
      List<Sandbox> members;
      try (SandboxController ignored = SandboxController.start(bareClient, ControllerOptions.defaults())) {
        bare.apply(tutorialManifest(bare));
        members = awaitReadyMembers(bareClient, ns, POOL, 2);
      }
      // As if the controller stopped between labelling the claim and taking the Sandbox (C8).
      String chosen = members.get(1).getMetadata().getName();
      SandboxClaim claim = claim(ns, "interrupted", TEMPLATE);
      claim.getMetadata().setLabels(Map.of(SandboxKeys.SANDBOX_NAME, chosen));
      SandboxClaim created = bareClient.resource(claim).create();

      try (SandboxController ignored = SandboxController.start(bareClient, ControllerOptions.defaults())) {
        SandboxClaim ready = awaitClaimReady(bareClient, ns, "interrupted");
        assertEquals(chosen, ready.getStatus().sandbox().name());
        assertOnlyOwner(bareClient.resources(Sandbox.class).inNamespace(ns).withName(chosen).get(), created);
        // The other member stays the pool's. (Whether the pool refills is not asserted: the
        // embedded API server's watches do not replay changes made between an informer's list
        // and its watch, and here the adoption races the new controller's informers.)
        Sandbox other = bareClient.resources(Sandbox.class).inNamespace(ns)
            .withName(members.get(0).getMetadata().getName()).get();
        assertEquals("SandboxWarmPool", other.getMetadata().getOwnerReferences().get(0).getKind());
      }
    }
  }

  // --- fixtures

  /** The tutorial manifest; runtimeClassName is dropped only where this machine cannot isolate commands. */
  private static String tutorialManifest(LocalSandboxCluster target) {
    try (InputStream in = WarmPoolEndToEndTest.class.getResourceAsStream("/sandbox-template-and-pool.yaml")) {
      String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return target.commandsIsolated() ? yaml : yaml.replace("runtimeClassName: gvisor", "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<HasMetadata> inNamespace(String yaml, String ns) {
    List<HasMetadata> items = client.load(new java.io.ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .items();
    items.forEach(item -> item.getMetadata().setNamespace(ns));
    return items;
  }

  private static void apply(List<HasMetadata> items) {
    items.forEach(item -> client.resource(item).create());
  }

  private static SandboxClaim claim(String ns, String name, String template) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.getMetadata().setNamespace(ns);
    claim.setSpec(spec);
    return claim;
  }

  private static boolean ready(SandboxClaim claim) {
    return claim.getStatus() != null && claim.getStatus().sandbox() != null
        && claim.getStatus().condition(SandboxKeys.CONDITION_READY).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static boolean ready(Sandbox sandbox) {
    return sandbox.getStatus() != null
        && sandbox.getStatus().condition(SandboxKeys.CONDITION_READY).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static SandboxClaim awaitClaimReady(KubernetesClient client, String ns, String name) {
    return ClusterAwaits.state(client.resources(SandboxClaim.class).inNamespace(ns).withName(name),
        c -> c != null && ready(c), TIMEOUT);
  }

  /** Waits until the pool has exactly {@code count} members (pool label, pool owner), all Ready. */
  private static List<Sandbox> awaitReadyMembers(KubernetesClient client, String ns, String pool, int count) {
    return members(ClusterAwaits.items(client.resources(Sandbox.class).inNamespace(ns)
        .withLabel(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of(pool)), all -> {
          List<Sandbox> members = members(all);
          return members.size() == count && members.stream().allMatch(WarmPoolEndToEndTest::ready)
              && members.stream().allMatch(s -> s.getMetadata().getOwnerReferences().size() == 1
                  && "SandboxWarmPool".equals(s.getMetadata().getOwnerReferences().get(0).getKind()));
        }, TIMEOUT));
  }

  private static List<Sandbox> members(List<Sandbox> labelled) {
    return labelled.stream().filter(s -> !s.isMarkedForDeletion()).collect(Collectors.toList());
  }

  private static void assertOnlyOwner(Sandbox sandbox, SandboxClaim claim) {
    List<OwnerReference> owners = sandbox.getMetadata().getOwnerReferences();
    assertEquals(1, owners.size(), owners.toString());
    assertEquals(claim.getMetadata().getUid(), owners.get(0).getUid());
    assertEquals(Boolean.TRUE, owners.get(0).getController());
  }
}
