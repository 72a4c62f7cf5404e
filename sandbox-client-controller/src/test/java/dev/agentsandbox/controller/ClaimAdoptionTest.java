package dev.agentsandbox.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata;
import dev.agentsandbox.model.v1alpha1.ClaimEnvVar;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPoolSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Claims adopting warm pool Sandboxes, with the whole controller against the CRUD mock server. */
class ClaimAdoptionTest {
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private static MockCluster cluster;
  private static KubernetesClient client;
  private static SandboxController controller;

  @BeforeAll
  static void startController() {
    cluster = new MockCluster();
    client = cluster.client;
    controller = SandboxController.start(client, ControllerOptions.builder().workers(4).build());
  }

  @AfterAll
  static void stopController() {
    if (controller != null) {
      controller.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void C8_adoptionRelabelsAndReownsTheSandbox() {
    String ns = namespace();
    createTemplate(ns, "python");
    createPool(ns, "pool", "python", 1);
    Sandbox warm = awaitMembers(ns, "pool", 1).get(0);
    String name = warm.getMetadata().getName();
    cluster.await(Pod.class, ns, name, any -> true);

    SandboxClaim claim = newClaim(ns, "claim", "python");
    AdditionalPodMetadata extra = new AdditionalPodMetadata(Map.of("team", "search"), null);
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("python"), null, null, extra, null));
    claim.getMetadata().setAnnotations(Map.of(SandboxKeys.TRACE_CONTEXT, "{\"traceparent\":\"00-1-2-01\"}"));
    SandboxClaim created = client.resource(claim).create();
    String uid = created.getMetadata().getUid();

    Sandbox adopted = cluster.await(Sandbox.class, ns, name, s -> isControlledBy(s, created));
    assertEquals(warm.getMetadata().getUid(), adopted.getMetadata().getUid());
    assertEquals(Map.of(SandboxKeys.CLAIM_UID, uid), adopted.getMetadata().getLabels(),
        "pool, template and pod template hash labels are gone");
    assertEquals(1, adopted.getMetadata().getOwnerReferences().size());
    assertEquals(name, adopted.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME));
    assertEquals("{\"traceparent\":\"00-1-2-01\"}", adopted.getMetadata().getAnnotations().get(SandboxKeys.TRACE_CONTEXT));
    assertEquals("python", adopted.getMetadata().getAnnotations().get(SandboxKeys.TEMPLATE_REF));
    assertEquals(Map.of("app", "python", "team", "search", SandboxKeys.CLAIM_UID, uid,
        SandboxKeys.TEMPLATE_REF_HASH, NameHash.of("python")), adopted.getSpec().getPodTemplate().getMetadata().getLabels());
    assertEquals(warm.getSpec().getPodTemplate().getSpec(), adopted.getSpec().getPodTemplate().getSpec(),
        "the spec does not change");

    SandboxClaim bound = cluster.await(SandboxClaim.class, ns, "claim",
        c -> c.getStatus() != null && c.getStatus().sandbox() != null);
    assertEquals(name, bound.getStatus().sandbox().name());
    assertNotEquals("claim", name);
    assertEquals(name, bound.getMetadata().getLabels().get(SandboxKeys.SANDBOX_NAME));

    // S6 carries the new labels to the pod, which keeps its name and the template label.
    Pod pod = cluster.await(Pod.class, ns, name, p -> uid.equals(p.getMetadata().getLabels().get(SandboxKeys.CLAIM_UID)));
    Map<String, String> podLabels = pod.getMetadata().getLabels();
    assertFalse(podLabels.containsKey(SandboxKeys.WARM_POOL_SANDBOX));
    assertFalse(podLabels.containsKey(SandboxKeys.POD_TEMPLATE_HASH));
    assertEquals(NameHash.of("python"), podLabels.get(SandboxKeys.TEMPLATE_REF_HASH));
    assertEquals("search", podLabels.get("team"));
    assertEquals(NameHash.of(name), podLabels.get(SandboxKeys.SANDBOX_NAME_HASH));
  }

  @Test
  void C8_anAdoptionWriteBasedOnAStaleResourceVersionIsRefused() {
    String ns = namespace();
    createTemplate(ns, "python");
    createPool(ns, "pool", "python", 1);
    Sandbox warm = awaitMembers(ns, "pool", 1).get(0);
    String stale = "{\"metadata\":{\"resourceVersion\":\"1\",\"labels\":{\"x\":\"y\"}}}";

    KubernetesClientException conflict = assertThrows(KubernetesClientException.class, () -> client
        .resources(Sandbox.class).inNamespace(ns).withName(warm.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), stale));
    assertEquals(409, conflict.getCode());
  }

  @Test
  void C8_manyClaimsAtOnceNeverShareASandbox() {
    String ns = namespace();
    createTemplate(ns, "python");
    createPool(ns, "pool", "python", 5);
    awaitMembers(ns, "pool", 5);

    List<SandboxClaim> claims = IntStream.range(0, 20)
        .mapToObj(i -> client.resource(newClaim(ns, "race-" + i, "python")).create())
        .collect(Collectors.toList());
    Set<String> names = new HashSet<>();
    for (SandboxClaim claim : claims) {
      SandboxClaim bound = cluster.await(SandboxClaim.class, ns, claim.getMetadata().getName(),
          c -> c.getStatus() != null && c.getStatus().sandbox() != null);
      assertTrue(names.add(bound.getStatus().sandbox().name()), "each claim has its own Sandbox");
      Sandbox sandbox = client.resources(Sandbox.class).inNamespace(ns).withName(bound.getStatus().sandbox().name())
          .get();
      assertEquals(List.of(claim.getMetadata().getUid()),
          sandbox.getMetadata().getOwnerReferences().stream().map(OwnerReference::getUid).collect(Collectors.toList()));
    }
    assertTrue(names.stream().filter(n -> n.startsWith("pool-")).count() >= 1, "some claims were served warm");
    awaitMembers(ns, "pool", 5);
  }

  @Test
  void C7_claimsTakeWarmSandboxesOldestFirstAndOnlyFromTheirTemplateAndPool() {
    String ns = namespace();
    createTemplate(ns, "python");
    createTemplate(ns, "other");
    List<String> added = new CopyOnWriteArrayList<>();
    try (Watch ignored = client.resources(Sandbox.class).inNamespace(ns).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Sandbox sandbox) {
        if (action == Action.ADDED) {
          added.add(sandbox.getMetadata().getName());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      createPool(ns, "pool", "python", 2);
      awaitMembers(ns, "pool", 2);
    }

    // Readiness is not required: no kubelet runs here, so no member is Ready.
    SandboxClaim first = client.resource(newClaim(ns, "first", "python")).create();
    assertEquals(added.get(0), awaitBound(ns, "first"));
    assertTrue(cluster.await(Sandbox.class, ns, added.get(0), s -> isControlledBy(s, first)) != null);

    assertEquals("other-claim", bound(ns, "other-claim", "other", null), "no warm Sandbox of that template");
    assertEquals("named", bound(ns, "named", "python", "another-pool"), "the named pool has none");
    assertEquals("cold", bound(ns, "cold", "python", SandboxClaimSpec.WARMPOOL_NONE));
    String second = bound(ns, "second", "python", "pool");
    assertTrue(second.startsWith("pool-"), second);
  }

  @Test
  void C4_envWithAWarmPoolPolicyIsAnError() {
    String ns = namespace();
    createTemplate(ns, "python");
    SandboxClaim claim = newClaim(ns, "env-claim", "python");
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("python"), null, null, null,
        List.of(new ClaimEnvVar("MODE", "fast", null))));
    client.resource(claim).create();

    SandboxClaim failed = cluster.await(SandboxClaim.class, ns, "env-claim",
        c -> c.getStatus() != null && c.getStatus().condition(SandboxKeys.CONDITION_READY).isPresent());
    Condition ready = failed.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("ReconcilerError", ready.getReason());
    assertEquals("Error seen: custom environment variables are not supported when using a warm pool",
        ready.getMessage());
    assertNull(client.resources(Sandbox.class).inNamespace(ns).withName("env-claim").get());
  }

  @Test
  void C4_anAssignedLabelNamingAMissingSandboxIsRemovedAndTheClaimServedCold() {
    String ns = namespace();
    createTemplate(ns, "python");
    SandboxClaim claim = newClaim(ns, "ghost-claim", "python");
    claim.getMetadata().setLabels(Map.of(SandboxKeys.SANDBOX_NAME, "ghost"));
    client.resource(claim).create();

    assertEquals("ghost-claim", awaitBound(ns, "ghost-claim"));
    SandboxClaim after = cluster.await(SandboxClaim.class, ns, "ghost-claim",
        c -> c.getMetadata().getLabels() == null || !c.getMetadata().getLabels().containsKey(SandboxKeys.SANDBOX_NAME));
    assertNull(after.getMetadata().getLabels() == null ? null : after.getMetadata().getLabels().get(SandboxKeys.SANDBOX_NAME));
  }

  @Test
  void C4_anAssignedPoolSandboxIsAdoptedByItsClaimAfterARestart() {
    String ns = namespace();
    createTemplate(ns, "python");
    createPool(ns, "pool", "python", 2);
    List<Sandbox> members = awaitMembers(ns, "pool", 2);
    String chosen = members.get(1).getMetadata().getName();

    // As if the controller stopped between labelling the claim (C8 step 1) and the Sandbox.
    controller.close();
    SandboxClaim claim = newClaim(ns, "interrupted", "python");
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("python"), SandboxClaimSpec.WARMPOOL_NONE, null, null, null));
    claim.getMetadata().setLabels(Map.of(SandboxKeys.SANDBOX_NAME, chosen));
    SandboxClaim created = client.resource(claim).create();
    controller = SandboxController.start(client, ControllerOptions.builder().workers(4).build());

    assertEquals(chosen, awaitBound(ns, "interrupted"));
    cluster.await(Sandbox.class, ns, chosen, s -> isControlledBy(s, created));
  }

  @Test
  void warmPoolReconcilesAreToldApartSoThatTheyYieldToClaims() {
    String ns = namespace();
    long before = controller.poolReconciles();
    createTemplate(ns, "python");
    createPool(ns, "pool", "python", 1);
    awaitMembers(ns, "pool", 1);

    // The Operator SDK's tasks name their controller; a change there would make pools compete
    // with claims again.
    assertTrue(controller.poolReconciles() > before);
  }

  // --- fixtures

  private static String namespace() {
    return "adopt-ns-" + NAMESPACES.incrementAndGet();
  }

  private static void createTemplate(String ns, String name) {
    SandboxTemplate template = new SandboxTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    template.setSpec(new SandboxTemplateSpec(new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", "python").endMetadata()
        .withNewSpec().addNewContainer().withName("runtime").withImage("python:3.12").endContainer().endSpec()
        .build()));
    client.resource(template).create();
  }

  private static void createPool(String ns, String name, String template, int replicas) {
    SandboxWarmPool pool = new SandboxWarmPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    pool.setSpec(new SandboxWarmPoolSpec(replicas, new TemplateRef(template), null));
    client.resource(pool).create();
  }

  private static SandboxClaim newClaim(String ns, String name, String template) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    claim.setSpec(spec);
    return claim;
  }

  /** Creates a claim with the given pool policy and returns the name of the Sandbox it gets. */
  private static String bound(String ns, String name, String template, String warmpool) {
    SandboxClaim claim = newClaim(ns, name, template);
    claim.setSpec(new SandboxClaimSpec(new TemplateRef(template), warmpool, null, null, null));
    client.resource(claim).create();
    return awaitBound(ns, name);
  }

  private static String awaitBound(String ns, String claim) {
    return cluster.await(SandboxClaim.class, ns, claim,
        c -> c.getStatus() != null && c.getStatus().sandbox() != null).getStatus().sandbox().name();
  }

  private static List<Sandbox> awaitMembers(String ns, String pool, int count) {
    String hash = NameHash.of(pool);
    List<Sandbox> all = cluster.awaitList(Sandbox.class, ns, items -> items.stream()
        .filter(s -> s.getMetadata().getLabels() != null
            && hash.equals(s.getMetadata().getLabels().get(SandboxKeys.WARM_POOL_SANDBOX)))
        .count() == count);
    return new ArrayList<>(all.stream()
        .filter(s -> s.getMetadata().getLabels() != null
            && hash.equals(s.getMetadata().getLabels().get(SandboxKeys.WARM_POOL_SANDBOX)))
        .collect(Collectors.toList()));
  }

  private static boolean isControlledBy(Sandbox sandbox, SandboxClaim claim) {
    List<OwnerReference> refs = sandbox.getMetadata().getOwnerReferences();
    return refs != null && refs.size() == 1 && claim.getMetadata().getUid().equals(refs.get(0).getUid())
        && Boolean.TRUE.equals(refs.get(0).getController());
  }
}
