package dev.agentsandbox.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The controller against fabric8's CRUD mock server; the test plays the kubelet. */
class SandboxControllerTest {
  private static final Logger log = LoggerFactory.getLogger(SandboxControllerTest.class);
  private static final long TIMEOUT_SECONDS = 10;
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private static MockCluster cluster;
  private static KubernetesClient client;
  private static SandboxController controller;

  @BeforeAll
  static void startController() {
    cluster = new MockCluster();
    client = cluster.client;
    controller = SandboxController.start(client,
        ControllerOptions.builder().clusterDomain("example.internal").workers(4).build());
  }

  @AfterAll
  static void stopController() {
    if (controller != null) {
      controller.close();
      controller.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void C10_coldClaimBecomesReadyOnceTheKubeletReportsThePodReady() throws Exception {
    String ns = namespace();
    createTemplate(ns, "python", null);

    CompletableFuture<Long> podAdded = new CompletableFuture<>();
    long start;
    SandboxClaim claim;
    try (Watch ignored = client.pods().inNamespace(ns).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod resource) {
        if (action == Action.ADDED) {
          podAdded.complete(System.nanoTime());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      start = System.nanoTime();
      claim = createClaim(ns, "my-claim", "python");
      long added = podAdded.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      log.info("Observed latency claim create -> pod ADDED: {} ms", TimeUnit.NANOSECONDS.toMillis(added - start));
    }

    Sandbox sandbox = await(Sandbox.class, ns, "my-claim", any -> true);
    Pod pod = await(Pod.class, ns, "my-claim", any -> true);
    playKubelet(ns, "my-claim", "Running", true, "10.1.2.3");

    Sandbox ready = await(Sandbox.class, ns, "my-claim", s -> readyStatus(s.getStatus() == null ? null
        : s.getStatus().conditions()).equals("True"));
    Condition sandboxReady = ready.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("DependenciesReady", sandboxReady.getReason());
    assertEquals("Pod is Ready", sandboxReady.getMessage());
    assertEquals(ready.getMetadata().getGeneration(), sandboxReady.getObservedGeneration());
    assertEquals(List.of("10.1.2.3"), ready.getStatus().podIPs());
    assertEquals(1, ready.getStatus().replicas());
    assertEquals(SandboxKeys.SANDBOX_NAME_HASH + "=" + NameHash.of("my-claim"), ready.getStatus().selector());
    assertNull(ready.getStatus().serviceFQDN());
    assertEquals("my-claim", ready.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME));

    SandboxClaim readyClaim = await(SandboxClaim.class, ns, "my-claim",
        c -> c.getStatus() != null && "True".equals(readyStatus(c.getStatus().conditions())));
    assertEquals("my-claim", readyClaim.getStatus().sandbox().name());
    assertEquals(List.of("10.1.2.3"), readyClaim.getStatus().sandbox().podIPs());
    Condition claimReady = readyClaim.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals(sandboxReady, claimReady, "C10: Ready is copied verbatim from the Sandbox");
    assertNotNull(readyClaim.getMetadata().getAnnotations().get(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT));
    log.info("Observed latency claim create -> claim Ready (including test kubelet): {} ms",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

    assertNotNull(pod);
    assertNotNull(sandbox);
    assertEquals(claim.getMetadata().getUid(), sandbox.getMetadata().getLabels().get(SandboxKeys.CLAIM_UID));
  }

  @Test
  void C5_sandboxIsNamedAfterTheClaimControlledByItAndBuiltFromTheTemplate() {
    String ns = namespace();
    SandboxTemplate template = createTemplate(ns, "test-template", null);
    SandboxClaim claim = createClaim(ns, "c5-claim", "test-template");

    Sandbox sandbox = await(Sandbox.class, ns, "c5-claim", any -> true);
    assertEquals(Map.of(SandboxKeys.CLAIM_UID, claim.getMetadata().getUid()), sandbox.getMetadata().getLabels());
    assertEquals("test-template", sandbox.getMetadata().getAnnotations().get(SandboxKeys.TEMPLATE_REF));
    ControllerHarness.assertControlledBy(sandbox, claim);
    SandboxSpec spec = sandbox.getSpec();
    assertEquals(1, spec.getReplicas());
    assertNull(spec.getService());
    assertNull(spec.getShutdownTime());
    assertEquals(Map.of("app", "python", SandboxKeys.CLAIM_UID, claim.getMetadata().getUid(),
        SandboxKeys.TEMPLATE_REF_HASH, "69155462"), spec.getPodTemplate().getMetadata().getLabels());
    assertEquals(Boolean.FALSE, spec.getPodTemplate().getSpec().getAutomountServiceAccountToken());
    assertEquals("None", spec.getPodTemplate().getSpec().getDnsPolicy());
    assertEquals(template.getSpec().podTemplate().getSpec().getContainers(),
        spec.getPodTemplate().getSpec().getContainers());
  }

  @Test
  void S5_podGetsSandboxNameHashAndTemplateLabels() {
    String ns = namespace();
    Sandbox sandbox = createSandbox(ns, "my-sandbox", null);

    Pod pod = await(Pod.class, ns, "my-sandbox", any -> true);
    assertEquals(Map.of(SandboxKeys.SANDBOX_NAME_HASH, "374de8f5", "app", "python"), pod.getMetadata().getLabels());
    assertEquals(Map.of("note", "kept", SandboxKeys.PROPAGATED_LABELS, "app",
        SandboxKeys.PROPAGATED_ANNOTATIONS, "note"), pod.getMetadata().getAnnotations());
    ControllerHarness.assertControlledBy(pod, sandbox);
    assertEquals("python:3.12", pod.getSpec().getContainers().get(0).getImage());
    await(Sandbox.class, ns, "my-sandbox",
        s -> "my-sandbox".equals(s.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME)));
    Sandbox notReady = await(Sandbox.class, ns, "my-sandbox", s -> s.getStatus() != null
        && s.getStatus().condition(SandboxKeys.CONDITION_READY).isPresent());
    Condition ready = notReady.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("DependenciesNotReady", ready.getReason());
    assertEquals("Pod exists with phase: ", ready.getMessage().substring(0, "Pod exists with phase: ".length()));
    assertTrue(client.services().inNamespace(ns).withName("my-sandbox").get() == null,
        "S9: no Service unless spec.service is true");
  }

  @Test
  void S9_serviceTrueCreatesAHeadlessServiceWithoutPortsAndReportsItsFqdn() {
    String ns = namespace();
    Sandbox sandbox = createSandbox(ns, "svc-sandbox", true);

    Service service = await(Service.class, ns, "svc-sandbox", any -> true);
    assertEquals("None", service.getSpec().getClusterIP());
    assertEquals(Map.of(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("svc-sandbox")), service.getSpec().getSelector());
    assertEquals(Map.of(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("svc-sandbox")), service.getMetadata().getLabels());
    assertTrue(service.getSpec().getPorts() == null || service.getSpec().getPorts().isEmpty());
    ControllerHarness.assertControlledBy(service, sandbox);

    playKubelet(ns, "svc-sandbox", "Running", true, "10.9.8.7");
    Sandbox ready = await(Sandbox.class, ns, "svc-sandbox",
        s -> s.getStatus() != null && "True".equals(readyStatus(s.getStatus().conditions())));
    assertEquals("svc-sandbox", ready.getStatus().service());
    assertEquals("svc-sandbox." + ns + ".svc.example.internal", ready.getStatus().serviceFQDN());
    assertEquals("Pod is Ready; Service Exists",
        ready.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow().getMessage());
  }

  @Test
  void C5_missingTemplateReportsTemplateNotFoundAndTheClaimProceedsOnceItExists() {
    String ns = namespace();
    createClaim(ns, "early-claim", "late-template");

    SandboxClaim waiting = await(SandboxClaim.class, ns, "early-claim",
        c -> c.getStatus() != null && c.getStatus().condition(SandboxKeys.CONDITION_READY).isPresent());
    Condition ready = waiting.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("TemplateNotFound", ready.getReason());
    assertEquals("SandboxTemplate \"late-template\" not found", ready.getMessage());
    assertEquals(waiting.getMetadata().getGeneration(), ready.getObservedGeneration());
    assertNull(waiting.getStatus().sandbox());

    createTemplate(ns, "late-template", null);
    await(Sandbox.class, ns, "early-claim", any -> true);
    SandboxClaim proceeding = await(SandboxClaim.class, ns, "early-claim", c -> c.getStatus().sandbox() != null
        && !"TemplateNotFound".equals(c.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow().getReason()));
    assertEquals("early-claim", proceeding.getStatus().sandbox().name());
  }

  @Test
  void S13_succeededPodMarksSandboxAndClaimFinished() {
    String ns = namespace();
    createTemplate(ns, "python", null);
    createClaim(ns, "done-claim", "python");
    await(Pod.class, ns, "done-claim", any -> true);

    playKubelet(ns, "done-claim", "Succeeded", false, "10.1.1.1");
    Sandbox finished = await(Sandbox.class, ns, "done-claim", s -> s.getStatus() != null
        && s.getStatus().condition(SandboxKeys.CONDITION_FINISHED).isPresent());
    Condition condition = finished.getStatus().condition(SandboxKeys.CONDITION_FINISHED).orElseThrow();
    assertEquals("True", condition.getStatus());
    assertEquals("PodSucceeded", condition.getReason());
    assertEquals("Pod completed successfully", condition.getMessage());
    assertEquals("Pod exists with phase: Succeeded",
        finished.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow().getMessage());

    SandboxClaim claim = await(SandboxClaim.class, ns, "done-claim", c -> c.getStatus() != null
        && c.getStatus().condition(SandboxKeys.CONDITION_FINISHED).isPresent());
    assertEquals(condition, claim.getStatus().condition(SandboxKeys.CONDITION_FINISHED).orElseThrow());
  }

  @Test
  void S6_podOwnedByAnotherControllerIsAReconcilerError() {
    String ns = namespace();
    client.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata()
        .withName("taken")
        .addToLabels(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("taken"))
        .addNewOwnerReference()
        .withApiVersion("apps/v1").withKind("ReplicaSet").withName("rs").withUid("rs-uid").withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .build()).create();
    createSandbox(ns, "taken", null);

    Sandbox failed = await(Sandbox.class, ns, "taken", s -> s.getStatus() != null
        && s.getStatus().condition(SandboxKeys.CONDITION_READY).isPresent());
    Condition ready = failed.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("ReconcilerError", ready.getReason());
    assertEquals("Error seen: pod \"taken\" is owned by ReplicaSet/rs (UID: rs-uid), not by sandbox \"taken\"",
        ready.getMessage());
    assertFalse(Optional.ofNullable(failed.getMetadata().getAnnotations()).orElse(Map.of())
        .containsKey(SandboxKeys.POD_NAME));
  }

  @Test
  void S6_unownedPodIsAdoptedAndItsSpecKept() {
    String ns = namespace();
    client.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName("orphan").addToLabels("extra", "x").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .build()).create();
    Sandbox sandbox = createSandbox(ns, "orphan", null);

    Pod adopted = await(Pod.class, ns, "orphan",
        p -> p.getMetadata().getOwnerReferences() != null && !p.getMetadata().getOwnerReferences().isEmpty());
    ControllerHarness.assertControlledBy(adopted, sandbox);
    assertEquals("busybox", adopted.getSpec().getContainers().get(0).getImage());
    assertEquals(Map.of("extra", "x", "app", "python", SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("orphan")),
        adopted.getMetadata().getLabels());
  }

  @Test
  void S8_replicasZeroDeletesThePodAndResumeRecreatesIt() {
    String ns = namespace();
    createSandbox(ns, "sleepy", null);
    await(Pod.class, ns, "sleepy", any -> true);
    // S8 keeps the selector a running sandbox reported; wait until it has reported one.
    await(Sandbox.class, ns, "sleepy", s -> s.getStatus() != null && s.getStatus().selector() != null);

    setReplicas(ns, "sleepy", 0);
    awaitAbsent(Pod.class, ns, "sleepy");
    // Status and the pod-name annotation are separate writes: wait for both. (The mock server
    // keeps a key that a merge patch sets to null, with a null value.)
    Sandbox suspended = await(Sandbox.class, ns, "sleepy", s -> s.getStatus() != null
        && "Pod does not exist, replicas is 0".equals(
            s.getStatus().condition(SandboxKeys.CONDITION_READY).map(Condition::getMessage).orElse(null))
        && (s.getMetadata().getAnnotations() == null
            || s.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME) == null));
    assertEquals("True", readyStatus(suspended.getStatus().conditions()));
    assertNull(suspended.getStatus().replicas());
    assertEquals(SandboxKeys.SANDBOX_NAME_HASH + "=" + NameHash.of("sleepy"), suspended.getStatus().selector());
    assertNull(suspended.getMetadata().getAnnotations() == null ? null
        : suspended.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME));

    setReplicas(ns, "sleepy", 1);
    await(Pod.class, ns, "sleepy", any -> true);
  }

  @Test
  void C16_deletedSandboxIsProvisionedAgain() {
    String ns = namespace();
    createTemplate(ns, "python", null);
    createClaim(ns, "phoenix", "python");
    Sandbox first = await(Sandbox.class, ns, "phoenix", any -> true);

    client.resources(Sandbox.class).inNamespace(ns).withName("phoenix").delete();
    await(Sandbox.class, ns, "phoenix",
        s -> !first.getMetadata().getUid().equals(s.getMetadata().getUid()));
  }

  // --- fixtures

  private static String namespace() {
    return "ns-" + NAMESPACES.incrementAndGet();
  }

  private static SandboxTemplate createTemplate(String ns, String name, Boolean service) {
    SandboxTemplate template = new SandboxTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    template.setSpec(new SandboxTemplateSpec(podTemplate(), null, null, null, null, service));
    return client.resource(template).create();
  }

  private static SandboxClaim createClaim(String ns, String name, String template) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    claim.setSpec(spec);
    return client.resource(claim).create();
  }

  private static Sandbox createSandbox(String ns, String name, Boolean service) {
    SandboxSpec spec = new SandboxSpec();
    var template = podTemplate();
    template.getMetadata().setAnnotations(Map.of("note", "kept"));
    spec.setPodTemplate(template);
    spec.setService(service);
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    sandbox.setSpec(spec);
    return client.resource(sandbox).create();
  }

  private static io.fabric8.kubernetes.api.model.PodTemplateSpec podTemplate() {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", "python").endMetadata()
        .withNewSpec()
        .addNewContainer().withName("runtime").withImage("python:3.12").endContainer()
        .endSpec()
        .build();
  }

  private static void setReplicas(String ns, String sandbox, int replicas) {
    client.resources(Sandbox.class).inNamespace(ns).withName(sandbox)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  /** Does what the kubelet would: reports phase, readiness and IPs on the pod's status. */
  private static void playKubelet(String ns, String pod, String phase, boolean ready, String ip) {
    client.pods().inNamespace(ns).withName(pod).editStatus(p -> {
      p.setStatus(new PodStatusBuilder()
          .withPhase(phase)
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
          .withPodIP(ip)
          .addNewPodIP(ip)
          .build());
      return p;
    });
  }

  /**
   * Waits until the named object exists and satisfies {@code condition}. The watch is opened
   * before the current state is read, so no change in between can be missed.
   */
  private static <T extends HasMetadata> T await(Class<T> type, String ns, String name, Predicate<T> condition) {
    return cluster.await(type, ns, name, condition);
  }

  private static <T extends HasMetadata> void awaitAbsent(Class<T> type, String ns, String name) {
    cluster.awaitAbsent(type, ns, name);
  }

  private static String readyStatus(List<Condition> conditions) {
    if (conditions == null) {
      return "";
    }
    return conditions.stream().filter(c -> SandboxKeys.CONDITION_READY.equals(c.getType()))
        .map(Condition::getStatus).findFirst().orElse("");
  }
}
