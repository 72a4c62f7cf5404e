package dev.agentsandbox.controller;

import static dev.agentsandbox.controller.ControllerHarness.assertControlledBy;
import static dev.agentsandbox.controller.ControllerHarness.namespace;
import static dev.agentsandbox.controller.ControllerHarness.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sandbox PVCs, pods, services and expiry against the CRUD mock (spec S3-S15). */
class SandboxLifecycleTest {
  private static ControllerHarness harness;

  @BeforeAll
  static void start() {
    harness = ControllerHarness.start();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static PersistentVolumeClaimTemplate vct(String name) {
    PersistentVolumeClaimTemplate vct = new PersistentVolumeClaimTemplate();
    vct.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(Map.of("tier", "fast"))
        .withAnnotations(Map.of("note", "scratch")).build());
    vct.setSpec(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder()
        .withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources()
        .build());
    return vct;
  }

  @Test
  void S3_pvcIsCreatedFromEachVolumeClaimTemplateAndReconciledWhileSuspended() {
    String ns = namespace("s3");
    SandboxSpec spec = new SandboxSpec();
    spec.setReplicas(0);
    spec.setVolumeClaimTemplates(List.of(vct("data")));
    Sandbox sandbox = harness.createSandbox(ns, "store", spec);

    PersistentVolumeClaim pvc = harness.await(PersistentVolumeClaim.class, ns, "data-store", any -> true);
    assertEquals(Map.of("tier", "fast", SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("store")), pvc.getMetadata().getLabels());
    assertEquals(Map.of("note", "scratch"), pvc.getMetadata().getAnnotations());
    assertEquals(List.of("ReadWriteOnce"), pvc.getSpec().getAccessModes());
    assertEquals(new Quantity("1Gi"), pvc.getSpec().getResources().getRequests().get("storage"));
    assertControlledBy(pvc, sandbox);

    harness.client.resources(Sandbox.class).inNamespace(ns).withName("store")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":1}}");
    Pod pod = harness.await(Pod.class, ns, "store", any -> true);
    assertEquals("data-store", pod.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
  }

  @Test
  void S3_unownedPvcIsAdoptedAndOneOwnedElsewhereIsAnError() {
    String ns = namespace("s3");
    harness.client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("data-adopter").endMetadata().withNewSpec().endSpec().build()).create();
    harness.client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("data-loser")
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("StatefulSet").withName("db").withUid("db-uid")
        .withController(true).endOwnerReference()
        .endMetadata().withNewSpec().endSpec().build()).create();
    SandboxSpec adopterSpec = new SandboxSpec();
    adopterSpec.setVolumeClaimTemplates(List.of(vct("data")));
    Sandbox adopter = harness.createSandbox(ns, "adopter", adopterSpec);
    SandboxSpec loserSpec = new SandboxSpec();
    loserSpec.setVolumeClaimTemplates(List.of(vct("data")));
    harness.createSandbox(ns, "loser", loserSpec);

    PersistentVolumeClaim adopted = harness.await(PersistentVolumeClaim.class, ns, "data-adopter",
        p -> !p.getMetadata().getOwnerReferences().isEmpty());
    assertControlledBy(adopted, adopter);
    Sandbox failed = harness.await(Sandbox.class, ns, "loser",
        s -> s.getStatus() != null && "ReconcilerError".equals(readyReason(s.getStatus().conditions())));
    assertEquals("Error seen: PVC \"data-loser\" is owned by StatefulSet/db (UID: db-uid), not by sandbox \"loser\"",
        failed.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow().getMessage());
  }

  @Test
  void S4_podNameAnnotationPointingToAMissingPodIsReplaced() {
    String ns = namespace("s4");
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName("pointer").withNamespace(ns)
        .withAnnotations(Map.of(SandboxKeys.POD_NAME, "ghost")).build());
    sandbox.setSpec(new SandboxSpec());
    sandbox.getSpec().setPodTemplate(ControllerHarness.podTemplate());
    harness.client.resource(sandbox).create();

    harness.await(Pod.class, ns, "pointer", any -> true);
    harness.await(Sandbox.class, ns, "pointer",
        s -> "pointer".equals(s.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME)));
    assertNull(harness.client.pods().inNamespace(ns).withName("ghost").get());
  }

  @Test
  void S7_finishedPodIsKeptAndADeletedPodIsRecreated() {
    String ns = namespace("s7");
    harness.createSandbox(ns, "worker", new SandboxSpec());
    Pod first = harness.await(Pod.class, ns, "worker", any -> true);

    harness.playKubelet(ns, "worker", "Failed", false, "10.0.0.7");
    harness.await(Sandbox.class, ns, "worker", s -> s.getStatus() != null
        && s.getStatus().condition(SandboxKeys.CONDITION_FINISHED).isPresent());
    assertEquals(first.getMetadata().getUid(), harness.client.pods().inNamespace(ns).withName("worker").get()
        .getMetadata().getUid(), "a finished pod is not replaced");

    harness.client.pods().inNamespace(ns).withName("worker").delete();
    Pod second = harness.await(Pod.class, ns, "worker", p -> !p.getMetadata().getUid().equals(first.getMetadata().getUid()));
    assertNotEquals(first.getMetadata().getUid(), second.getMetadata().getUid());
  }

  @Test
  void S9_unownedHeadlessServiceIsAdoptedAndServiceFalseDeletesIt() {
    String ns = namespace("s9");
    harness.client.services().inNamespace(ns).resource(new ServiceBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withClusterIP("None").withSelector(Map.of("app", "other")).endSpec().build()).create();
    SandboxSpec spec = new SandboxSpec();
    spec.setService(true);
    Sandbox sandbox = harness.createSandbox(ns, "web", spec);

    Service adopted = harness.await(Service.class, ns, "web", s -> !s.getMetadata().getOwnerReferences().isEmpty());
    assertControlledBy(adopted, sandbox);
    assertEquals(Map.of(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("web")), adopted.getSpec().getSelector());
    assertEquals(NameHash.of("web"), adopted.getMetadata().getLabels().get(SandboxKeys.SANDBOX_NAME_HASH));

    harness.client.resources(Sandbox.class).inNamespace(ns).withName("web")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"service\":false}}");
    harness.awaitAbsent(Service.class, ns, "web");
    Sandbox withoutService = harness.await(Sandbox.class, ns, "web",
        s -> s.getStatus() != null && s.getStatus().serviceFQDN() == null);
    assertNull(withoutService.getStatus().service(), "S10: status.service is cleared with the Service");
  }

  @Test
  void S9_serviceWithAClusterIPIsNotAdopted() {
    String ns = namespace("s9");
    harness.client.services().inNamespace(ns).resource(new ServiceBuilder()
        .withNewMetadata().withName("fixed").endMetadata()
        .withNewSpec().withClusterIP("10.96.0.10").endSpec().build()).create();
    SandboxSpec spec = new SandboxSpec();
    spec.setService(true);
    harness.createSandbox(ns, "fixed", spec);

    Sandbox failed = harness.await(Sandbox.class, ns, "fixed",
        s -> s.getStatus() != null && "ReconcilerError".equals(readyReason(s.getStatus().conditions())));
    assertEquals("Error seen: cannot adopt service \"fixed\": ClusterIP is \"10.96.0.10\" (expected \"None\", "
        + "field is immutable)", failed.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow().getMessage());
  }

  @Test
  void S14_expiredSandboxIsMarkedThenItsPodDeletedAndItsStatusReset() {
    String ns = namespace("s14");
    SandboxSpec spec = new SandboxSpec();
    spec.setService(true);
    spec.setVolumeClaimTemplates(List.of(vct("data")));
    harness.createSandbox(ns, "mortal", spec);
    harness.await(Pod.class, ns, "mortal", any -> true);
    harness.await(Service.class, ns, "mortal", any -> true);
    harness.playKubelet(ns, "mortal", "Running", true, "10.0.0.14");
    harness.await(Sandbox.class, ns, "mortal", s -> s.getStatus() != null && s.getStatus().podIPs() != null
        && s.getStatus().serviceFQDN() != null);

    // S1: no shutdownPolicy means Retain.
    harness.client.resources(Sandbox.class).inNamespace(ns).withName("mortal").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"shutdownTime\":\"" + Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS) + "\"}}");

    harness.awaitAbsent(Pod.class, ns, "mortal");
    harness.awaitAbsent(Service.class, ns, "mortal");
    Sandbox retained = harness.await(Sandbox.class, ns, "mortal", s -> s.getStatus() != null
        && s.getStatus().selector() == null && s.getStatus().podIPs() == null);
    SandboxStatus status = retained.getStatus();
    Condition ready = status.condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("SandboxExpired", ready.getReason());
    assertEquals("Sandbox has expired", ready.getMessage());
    assertNull(status.replicas());
    assertNull(status.service());
    assertNull(status.serviceFQDN());
    assertEquals("mortal", retained.getMetadata().getAnnotations().get(SandboxKeys.POD_NAME), "A-POD is untouched");
    assertNotNull(harness.client.persistentVolumeClaims().inNamespace(ns).withName("data-mortal").get(),
        "PVCs outlive expiry");
  }

  @Test
  void S14_expiredSandboxWithPolicyDeleteIsDeleted() {
    String ns = namespace("s14");
    SandboxSpec spec = new SandboxSpec();
    spec.setShutdownPolicy(SandboxSpec.SHUTDOWN_DELETE);
    spec.setShutdownTime(Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS).toString());
    harness.createSandbox(ns, "doomed", spec);

    harness.awaitAbsent(Sandbox.class, ns, "doomed");
  }

  @Test
  void S15_sandboxExpiresAtItsShutdownTimeWithoutAnyOtherEvent() {
    String ns = namespace("s15");
    SandboxSpec spec = new SandboxSpec();
    spec.setShutdownPolicy(SandboxSpec.SHUTDOWN_DELETE);
    spec.setShutdownTime(Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS).toString());
    harness.createSandbox(ns, "timer", spec);
    harness.await(Pod.class, ns, "timer", any -> true);

    harness.awaitAbsent(Sandbox.class, ns, "timer");
  }
}
