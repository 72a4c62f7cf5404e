package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.controller.ControllerOptions;
import dev.agentsandbox.controller.SandboxController;
import dev.agentsandbox.model.NameHash;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
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
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Warm pools on the embedded cluster: real pods, real readiness, claims adopting pool Sandboxes. */
class WarmPoolEndToEndTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String TEMPLATE = "python-runtime-template";
  private static final String POOL = "python-sandbox-warmpool";

  private static LocalSandboxCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void startCluster() {
    cluster = LocalSandboxCluster.start();
    client = cluster.client();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void tutorialPoolKeepsTwoReadySandboxesAndRefillsAfterAClaimAdoptsOne() {
    cluster.apply(tutorialManifest(cluster));
    String ns = "default";
    awaitReadyMembers(client, ns, POOL, 2);

    SandboxClaim claim = client.resource(claim(ns, "python-sandbox-example", TEMPLATE)).create();
    SandboxClaim ready = awaitClaimReady(client, ns, claim.getMetadata().getName());
    String sandbox = ready.getStatus().getSandbox().getName();
    assertNotEquals(claim.getMetadata().getName(), sandbox);
    assertTrue(sandbox.matches(POOL + "-[a-z0-9]{5}"), sandbox);
    assertOnlyOwner(client.resources(Sandbox.class).inNamespace(ns).withName(sandbox).get(), ready);

    awaitReadyMembers(client, ns, POOL, 2);
    awaitCondition(client, ns, "pool status shows two ready", () -> {
      SandboxWarmPool pool = client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL).get();
      return pool.getStatus() != null && Integer.valueOf(2).equals(pool.getStatus().getReadyReplicas());
    });
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

    awaitCondition(client, ns, "all 50 claims Ready", () -> client.resources(SandboxClaim.class).inNamespace(ns)
        .list().getItems().stream().filter(WarmPoolEndToEndTest::ready).count() == 50);
    Set<String> sandboxes = new HashSet<>();
    int warm = 0;
    for (SandboxClaim claim : claims) {
      SandboxClaim bound = client.resources(SandboxClaim.class).inNamespace(ns).withName(claim.getMetadata().getName())
          .get();
      String name = bound.getStatus().getSandbox().getName();
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
    awaitCondition(client, ns, "pool status shows two", () -> {
      SandboxWarmPool pool = client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL).get();
      return pool.getStatus() != null && Integer.valueOf(2).equals(pool.getStatus().getReplicas());
    });

    var pool = client.resources(SandboxWarmPool.class).inNamespace(ns).withName(POOL);
    Scale scale = pool.scale();
    assertEquals(2, scale.getSpec().getReplicas());
    assertEquals(2, scale.getStatus().getReplicas());
    assertEquals(SandboxKeys.WARM_POOL_SANDBOX + "=" + NameHash.of(POOL), scale.getStatus().getSelector());

    pool.scale(3);
    assertEquals(3, pool.get().getSpec().getReplicas());
    awaitReadyMembers(client, ns, POOL, 3);
    pool.subresource("scale").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":1}}");
    assertEquals(1, pool.get().getSpec().getReplicas());
    awaitReadyMembers(client, ns, POOL, 1);
  }

  @Test
  void aClaimLabelledWithAPoolSandboxGetsItWhenTheControllerStartsAgain() {
    try (LocalSandboxCluster bare = LocalSandboxCluster.builder().controller(false).routerNamespaces().start()) {
      KubernetesClient bareClient = bare.client();
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
        assertEquals(chosen, ready.getStatus().getSandbox().getName());
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
    SandboxClaimSpec spec = new SandboxClaimSpec();
    spec.setSandboxTemplateRef(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.getMetadata().setNamespace(ns);
    claim.setSpec(spec);
    return claim;
  }

  private static boolean ready(SandboxClaim claim) {
    return claim.getStatus() != null && claim.getStatus().getSandbox() != null
        && claim.getStatus().condition(SandboxKeys.CONDITION_READY).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static boolean ready(Sandbox sandbox) {
    return sandbox.getStatus() != null
        && sandbox.getStatus().condition(SandboxKeys.CONDITION_READY).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static SandboxClaim awaitClaimReady(KubernetesClient client, String ns, String name) {
    return client.resources(SandboxClaim.class).inNamespace(ns).withName(name)
        .waitUntilCondition(c -> c != null && ready(c), TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits until the pool has exactly {@code count} members (pool label, pool owner), all Ready. */
  private static List<Sandbox> awaitReadyMembers(KubernetesClient client, String ns, String pool, int count) {
    List<List<Sandbox>> found = new ArrayList<>();
    awaitCondition(client, ns, count + " ready members of " + pool, () -> {
      List<Sandbox> members = client.resources(Sandbox.class).inNamespace(ns)
          .withLabel(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of(pool)).list().getItems().stream()
          .filter(s -> !s.isMarkedForDeletion())
          .collect(Collectors.toList());
      found.add(0, members);
      return members.size() == count && members.stream().allMatch(WarmPoolEndToEndTest::ready)
          && members.stream().allMatch(s -> s.getMetadata().getOwnerReferences().size() == 1
              && "SandboxWarmPool".equals(s.getMetadata().getOwnerReferences().get(0).getKind()));
    });
    return found.get(0);
  }

  /**
   * Waits until {@code condition} holds, evaluating it again whenever a Sandbox, claim or pool
   * of the namespace changes, for at most {@link #TIMEOUT}.
   */
  private static void awaitCondition(KubernetesClient client, String ns, String what, BooleanSupplier condition) {
    long[] changes = {0};
    Watcher<HasMetadata> signal = new Watcher<>() {
      @Override
      public void eventReceived(Action action, HasMetadata resource) {
        synchronized (changes) {
          changes[0]++;
          changes.notifyAll();
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    };
    List<Watch> watches = new ArrayList<>();
    try {
      for (Class<? extends HasMetadata> kind : List.of(Sandbox.class, SandboxClaim.class, SandboxWarmPool.class)) {
        @SuppressWarnings("unchecked")
        Class<HasMetadata> typed = (Class<HasMetadata>) kind;
        watches.add(client.resources(typed).inNamespace(ns).watch(signal));
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (true) {
        long seen;
        synchronized (changes) {
          seen = changes[0];
        }
        if (condition.getAsBoolean()) {
          return;
        }
        synchronized (changes) {
          while (changes[0] == seen) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
              throw new AssertionError("timed out waiting for " + what + " in " + ns);
            }
            changes.wait(left);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      watches.forEach(Watch::close);
    }
  }

  private static void assertOnlyOwner(Sandbox sandbox, SandboxClaim claim) {
    List<OwnerReference> owners = sandbox.getMetadata().getOwnerReferences();
    assertEquals(1, owners.size(), owners.toString());
    assertEquals(claim.getMetadata().getUid(), owners.get(0).getUid());
    assertEquals(Boolean.TRUE, owners.get(0).getController());
  }
}
