package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.controller.MockCluster;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPoolSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPoolStatus;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The warm pool controller (with the claim controller, for adoption) against fabric8's CRUD
 * mock server. The test plays the Sandbox controller: it reports readiness on Sandboxes itself.
 */
class WarmPoolTest {
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final AtomicReference<Instant> NOW = new AtomicReference<>(Instant.now());

  private static MockCluster cluster;
  private static KubernetesClient client;
  private static Operator operator;

  @BeforeAll
  static void startControllers() {
    cluster = new MockCluster();
    client = cluster.client;
    Clock clock = new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return NOW.get();
      }
    };
    operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        .checkingCRDAndValidateLocalModel(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withConcurrentReconciliationThreads(4));
    operator.register(new WarmPoolReconciler(clock), c -> c.watchingAllNamespaces()
        .withRetry(new GenericRetry().setInitialInterval(50).setMaxInterval(1000).withoutMaxAttempts()));
    operator.register(new SandboxClaimReconciler(ControllerMetrics.NOOP), c -> c.watchingAllNamespaces()
        .withRetry(new GenericRetry().setInitialInterval(50).setMaxInterval(1000).withoutMaxAttempts()));
    operator.start();
  }

  @AfterAll
  static void stopControllers() {
    if (operator != null) {
      operator.stop();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void W1_statusReportsMembersReadyMembersAndTheSelector() {
    String ns = namespace();
    createTemplate(ns, "python", "python:3.12");
    createPool(ns, "pool", "python", 2, null);

    List<Sandbox> members = awaitMembers(ns, "pool", 2);
    SandboxWarmPool pool = cluster.await(SandboxWarmPool.class, ns, "pool",
        p -> p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().replicas()));
    assertNull(pool.getStatus().readyReplicas(), "zero counts are omitted");
    assertEquals(SandboxKeys.WARM_POOL_SANDBOX + "=" + NameHash.of("pool"), pool.getStatus().selector());

    markReady(members.get(0));
    markReady(members.get(1));
    cluster.await(SandboxWarmPool.class, ns, "pool",
        p -> p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().readyReplicas()));
  }

  @Test
  void W2_orphansCarryingThePoolLabelAreAdoptedAndSandboxesOfOtherControllersIgnored() {
    String ns = namespace();
    SandboxTemplate template = createTemplate(ns, "python", "python:3.12");
    // A current member of the template: were it stale (W5), the pool would replace it once its
    // informer has the template, and whether it had yet would decide the outcome.
    Sandbox current = poolLabelled(ns, "orphan", "pool", null);
    current.getMetadata().getLabels().put(SandboxKeys.POD_TEMPLATE_HASH, PoolSandboxes.podTemplateHash(template));
    Sandbox orphan = client.resource(current).create();
    OwnerReference foreign = new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
        .withName("rs").withUid("rs-uid").withController(true).build();
    Sandbox others = client.resource(poolLabelled(ns, "someone-elses", "pool", foreign)).create();

    SandboxWarmPool pool = createPool(ns, "pool", "python", 1, null);

    Sandbox adopted = cluster.await(Sandbox.class, ns, "orphan",
        s -> ControllerReferences.isControlledBy(s, pool));
    assertEquals(orphan.getMetadata().getUid(), adopted.getMetadata().getUid());
    cluster.await(SandboxWarmPool.class, ns, "pool",
        p -> p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().replicas()));
    assertEquals(1, members(ns, "pool").stream().filter(s -> ControllerReferences.isControlledBy(s, pool)).count(),
        "the adopted orphan fills the only replica");
    Sandbox untouched = client.resources(Sandbox.class).inNamespace(ns).withName("someone-elses").get();
    assertEquals(others.getMetadata().getOwnerReferences(), untouched.getMetadata().getOwnerReferences());
  }

  @Test
  void W3_poolSandboxesAreGeneratedWithPoolLabelsAndOwner() {
    String ns = namespace();
    SandboxTemplate template = createTemplate(ns, "test-template", "python:3.12");
    SandboxWarmPool pool = createPool(ns, "my-pool", "test-template", 1, null);

    Sandbox sandbox = awaitMembers(ns, "my-pool", 1).get(0);
    assertTrue(sandbox.getMetadata().getName().startsWith("my-pool-"), sandbox.getMetadata().getName());
    assertEquals("my-pool-", sandbox.getMetadata().getGenerateName());
    String pth = PoolSandboxes.podTemplateHash(template);
    Map<String, String> poolLabels = Map.of(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of("my-pool"),
        SandboxKeys.TEMPLATE_REF_HASH, "69155462", SandboxKeys.POD_TEMPLATE_HASH, pth);
    assertEquals(poolLabels, sandbox.getMetadata().getLabels());
    assertEquals(Map.of(SandboxKeys.TEMPLATE_REF, "test-template"), sandbox.getMetadata().getAnnotations());
    assertEquals(List.of(ControllerReferences.to(pool)), sandbox.getMetadata().getOwnerReferences());
    SandboxSpec spec = sandbox.getSpec();
    assertEquals(1, spec.getReplicas());
    assertEquals(Boolean.TRUE, spec.getService(), "service is the template's");
    assertNull(spec.getShutdownTime());
    Map<String, String> podLabels = new java.util.HashMap<>(poolLabels);
    podLabels.put("app", "python");
    assertEquals(podLabels, spec.getPodTemplate().getMetadata().getLabels());
    assertEquals(Map.of("note", "kept"), spec.getPodTemplate().getMetadata().getAnnotations());
    assertEquals(Boolean.FALSE, spec.getPodTemplate().getSpec().getAutomountServiceAccountToken());
    assertEquals("None", spec.getPodTemplate().getSpec().getDnsPolicy());
    assertEquals(ClaimSandboxes.PUBLIC_DNS, spec.getPodTemplate().getSpec().getDnsConfig().getNameservers());
    assertEquals(template.getSpec().podTemplate().getSpec().getContainers(),
        spec.getPodTemplate().getSpec().getContainers());
    assertEquals("data", spec.getVolumeClaimTemplates().get(0).getMetadata().getName());
    // The pod is named after the Sandbox: no pod-name annotation points elsewhere.
    assertEquals(sandbox.getMetadata().getName(), SandboxPods.podName(sandbox));
  }

  @Test
  void W4_podTemplateHashIsTheSameForEqualPodTemplatesAndChangesWithThem() {
    String ns = namespace();
    SandboxTemplate template = createTemplate(ns, "python", "python:3.12");
    createPool(ns, "pool", "python", 2, SandboxWarmPoolSpec.UpdateStrategy.RECREATE);

    List<Sandbox> first = awaitMembers(ns, "pool", 2);
    String hash = first.get(0).getMetadata().getLabels().get(SandboxKeys.POD_TEMPLATE_HASH);
    assertTrue(hash.matches("[0-9a-f]{8}"), hash);
    assertEquals(hash, first.get(1).getMetadata().getLabels().get(SandboxKeys.POD_TEMPLATE_HASH));
    assertEquals(hash, PoolSandboxes.podTemplateHash(template));

    setImage(ns, "python", "python:3.13");
    List<Sandbox> second = awaitMembers(ns, "pool", 2, s -> image(s).equals("python:3.13"));
    String newHash = second.get(0).getMetadata().getLabels().get(SandboxKeys.POD_TEMPLATE_HASH);
    assertNotEquals(hash, newHash);
    assertEquals(newHash, second.get(1).getMetadata().getLabels().get(SandboxKeys.POD_TEMPLATE_HASH));
  }

  @Test
  void W5_recreateReplacesStaleMembersWhileOnReplenishKeepsThem() {
    String ns = namespace();
    createTemplate(ns, "python", "python:3.12");
    createPool(ns, "eager", "python", 2, SandboxWarmPoolSpec.UpdateStrategy.RECREATE);
    createPool(ns, "lazy", "python", 2, null);
    Set<String> lazyBefore = uids(awaitMembers(ns, "lazy", 2));
    Set<String> eagerBefore = uids(awaitMembers(ns, "eager", 2));

    setImage(ns, "python", "python:3.13");
    List<Sandbox> eagerAfter = awaitMembers(ns, "eager", 2, s -> image(s).equals("python:3.13"));
    assertTrue(uids(eagerAfter).stream().noneMatch(eagerBefore::contains));
    // Growing the lazy pool shows it reconciled after the change: it adds a fresh member and
    // keeps the stale ones.
    setReplicas(ns, "lazy", 3);
    List<Sandbox> lazyAfter = awaitMembers(ns, "lazy", 3);
    assertTrue(uids(lazyAfter).containsAll(lazyBefore));
    assertEquals(1, lazyAfter.stream().filter(s -> image(s).equals("python:3.13")).count());

    // Only the pod spec counts: a label added to the template does not make a member stale.
    SandboxTemplate current = client.resources(SandboxTemplate.class).inNamespace(ns).withName("python").get();
    SandboxTemplate relabelled = io.fabric8.kubernetes.client.utils.Serialization.clone(current);
    relabelled.getSpec().podTemplate().getMetadata().getLabels().put("team", "a");
    Sandbox member = eagerAfter.get(0);
    String newHash = PoolSandboxes.podTemplateHash(relabelled);
    assertNotEquals(member.getMetadata().getLabels().get(SandboxKeys.POD_TEMPLATE_HASH), newHash);
    assertFalse(PoolSandboxes.stale(member, relabelled, newHash));
    relabelled.getMetadata().setName("other-template");
    assertTrue(PoolSandboxes.stale(member, relabelled, newHash), "another template's members are stale");
  }

  @Test
  void W6_membersNotReadyFiveMinutesAfterCreationAreReplacedWhenThePoolReconciles() {
    String ns = namespace();
    createTemplate(ns, "python", "python:3.12");
    createPool(ns, "pool", "python", 2, null);
    List<Sandbox> members = awaitMembers(ns, "pool", 2);
    Sandbox ready = markReady(members.get(0));
    Sandbox stuck = members.get(1);
    // The pool must have seen the Ready member before the clock moves, or it would replace it too.
    cluster.await(SandboxWarmPool.class, ns, "pool",
        p -> p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().readyReplicas()));

    NOW.set(Instant.now().plus(PoolSandboxes.STUCK_AFTER).plus(Duration.ofMinutes(1)));
    try {
      // No timer: something must reconcile the pool. A status write on a member does.
      markReady(ready);
      cluster.awaitAbsent(Sandbox.class, ns, stuck.getMetadata().getName());
    } finally {
      NOW.set(Instant.now());
    }
    List<Sandbox> after = awaitMembers(ns, "pool", 2);
    assertTrue(uids(after).contains(ready.getMetadata().getUid()), "the Ready member stays");
  }

  @Test
  void W7_scalingDownDeletesNotReadyMembersFirstThenTheNewest() {
    String ns = namespace();
    createTemplate(ns, "python", "python:3.12");
    createPool(ns, "pool", "python", 3, null);
    List<Sandbox> members = awaitMembers(ns, "pool", 3);
    Sandbox notReady = members.get(0);
    markReady(members.get(1));
    markReady(members.get(2));
    cluster.await(SandboxWarmPool.class, ns, "pool",
        p -> p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().readyReplicas()));

    setReplicas(ns, "pool", 2);
    cluster.awaitAbsent(Sandbox.class, ns, notReady.getMetadata().getName());
    assertEquals(2, members(ns, "pool").size());

    List<Sandbox> byAge = members(ns, "pool");
    byAge.sort(PoolSandboxes.scaleDownOrder());
    setReplicas(ns, "pool", 1);
    cluster.awaitAbsent(Sandbox.class, ns, byAge.get(0).getMetadata().getName());
    assertEquals(List.of(byAge.get(1).getMetadata().getUid()), List.copyOf(uids(awaitMembers(ns, "pool", 1))));
  }

  @Test
  void W7_withoutItsTemplateThePoolCreatesNothingAndReportsNoError() {
    String ns = namespace();
    createPool(ns, "pool", "not-yet", 2, null);
    SandboxWarmPool pool = cluster.await(SandboxWarmPool.class, ns, "pool", p -> p.getStatus() != null);
    assertNull(pool.getStatus().replicas());
    assertTrue(members(ns, "pool").isEmpty());

    createTemplate(ns, "not-yet", "python:3.12");
    awaitMembers(ns, "pool", 2);
  }

  @Test
  void W8_statusReplicasCountsTheMembersSeenBeforeTheReconcileChangedThem() throws Exception {
    String ns = namespace();
    createTemplate(ns, "python", "python:3.12");
    List<SandboxWarmPoolStatus> history = new CopyOnWriteArrayList<>();
    try (Watch ignored = client.resources(SandboxWarmPool.class).inNamespace(ns).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, SandboxWarmPool pool) {
        if (pool.getStatus() != null) {
          history.add(pool.getStatus());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      createPool(ns, "pool", "python", 2, null);
      awaitMembers(ns, "pool", 2);
      cluster.await(SandboxWarmPool.class, ns, "pool",
          p -> p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().replicas()));
    }
    // The first reconcile found no member, created two, and reported what it found.
    SandboxWarmPoolStatus first = history.get(0);
    assertNull(first.replicas(), "zero is omitted");
    assertNull(first.readyReplicas());
    assertEquals(SandboxKeys.WARM_POOL_SANDBOX + "=" + NameHash.of("pool"), first.selector());
  }

  @Test
  void W9_anAdoptedSandboxLeavesThePoolWhichCreatesAReplacement() {
    String ns = namespace();
    createTemplate(ns, "python", "python:3.12");
    createPool(ns, "pool", "python", 1, null);
    Sandbox warm = awaitMembers(ns, "pool", 1).get(0);

    SandboxClaim claim = createClaim(ns, "claim", "python");
    Sandbox adopted = cluster.await(Sandbox.class, ns, warm.getMetadata().getName(),
        s -> ControllerReferences.isControlledBy(s, claim));
    assertEquals(warm.getMetadata().getUid(), adopted.getMetadata().getUid());
    Sandbox replacement = awaitMembers(ns, "pool", 1).get(0);
    assertNotEquals(warm.getMetadata().getName(), replacement.getMetadata().getName());

    client.resources(SandboxWarmPool.class).inNamespace(ns).withName("pool").delete();
    cluster.awaitAbsent(SandboxWarmPool.class, ns, "pool");
    assertEquals(adopted.getMetadata().getUid(), client.resources(Sandbox.class).inNamespace(ns)
        .withName(warm.getMetadata().getName()).get().getMetadata().getUid(), "the adopted Sandbox is the claim's");
  }

  // --- fixtures

  private static String namespace() {
    return "pool-ns-" + NAMESPACES.incrementAndGet();
  }

  private static SandboxTemplate createTemplate(String ns, String name, String image) {
    SandboxTemplateSpec spec = new SandboxTemplateSpec(new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", "python").addToAnnotations("note", "kept").endMetadata()
        .withNewSpec().addNewContainer().withName("runtime").withImage(image).endContainer().endSpec()
        .build(),
        List.of(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder()
            .withNewMetadata().withName("data").endMetadata().withNewSpec().endSpec().build()),
        null, null, null, true);
    SandboxTemplate template = new SandboxTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    template.setSpec(spec);
    return client.resource(template).create();
  }

  private static SandboxWarmPool createPool(String ns, String name, String template, int replicas, String strategy) {
    SandboxWarmPool pool = new SandboxWarmPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    pool.setSpec(new SandboxWarmPoolSpec(replicas, new TemplateRef(template),
        strategy == null ? null : new SandboxWarmPoolSpec.UpdateStrategy(strategy)));
    return client.resource(pool).create();
  }

  private static SandboxClaim createClaim(String ns, String name, String template) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    claim.setSpec(spec);
    return client.resource(claim).create();
  }

  private static Sandbox poolLabelled(String ns, String name, String pool, OwnerReference owner) {
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToLabels(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of(pool))
        .addToLabels(SandboxKeys.TEMPLATE_REF_HASH, NameHash.of("python"))
        .withOwnerReferences(owner == null ? List.of() : List.of(owner))
        .build());
    SandboxSpec spec = new SandboxSpec();
    spec.setPodTemplate(new PodTemplateSpecBuilder()
        .withNewSpec().addNewContainer().withName("runtime").withImage("python:3.12").endContainer().endSpec()
        .build());
    sandbox.setSpec(spec);
    return sandbox;
  }

  private static void setImage(String ns, String template, String image) {
    client.resources(SandboxTemplate.class).inNamespace(ns).withName(template).edit(t -> {
      t.getSpec().podTemplate().getSpec().getContainers().get(0).setImage(image);
      return t;
    });
  }

  private static void setReplicas(String ns, String pool, int replicas) {
    client.resources(SandboxWarmPool.class).inNamespace(ns).withName(pool)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  /** Plays the Sandbox controller: reports the Sandbox Ready. */
  private static Sandbox markReady(Sandbox sandbox) {
    return client.resources(Sandbox.class).inNamespace(sandbox.getMetadata().getNamespace())
        .withName(sandbox.getMetadata().getName()).editStatus(s -> {
          s.setStatus(new SandboxStatus(List.of(new ConditionBuilder().withType(SandboxKeys.CONDITION_READY)
              .withStatus("True").withReason("DependenciesReady").withMessage("Pod is Ready")
              .withLastTransitionTime(Instant.now().toString()).build()), null, null, null, null, null));
          return s;
        });
  }

  private static String image(Sandbox sandbox) {
    return sandbox.getSpec().getPodTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static List<Sandbox> members(String ns, String pool) {
    return client.resources(Sandbox.class).inNamespace(ns)
        .withLabel(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of(pool)).list().getItems().stream()
        .collect(Collectors.toList());
  }

  private static List<Sandbox> awaitMembers(String ns, String pool, int count) {
    return awaitMembers(ns, pool, count, s -> true);
  }

  /** Waits until the pool has exactly {@code count} members and all satisfy {@code condition}. */
  private static List<Sandbox> awaitMembers(String ns, String pool, int count,
      java.util.function.Predicate<Sandbox> condition) {
    String hash = NameHash.of(pool);
    return cluster.awaitList(Sandbox.class, ns, all -> {
      List<Sandbox> members = all.stream()
          .filter(s -> hash.equals(SandboxPods.orEmpty(s.getMetadata().getLabels()).get(SandboxKeys.WARM_POOL_SANDBOX)))
          .collect(Collectors.toList());
      return members.size() == count && members.stream().allMatch(condition);
    }).stream()
        .filter(s -> hash.equals(SandboxPods.orEmpty(s.getMetadata().getLabels()).get(SandboxKeys.WARM_POOL_SANDBOX)))
        .collect(Collectors.toList());
  }

  private static Set<String> uids(List<Sandbox> sandboxes) {
    return sandboxes.stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
  }
}
