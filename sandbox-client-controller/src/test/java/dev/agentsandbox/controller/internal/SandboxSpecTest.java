package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Sandbox spec, expiry and ownership rules as pure functions (spec S1-S3, S14-S16, X1). */
class SandboxSpecTest {
  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void S1_specReadsEveryFieldAndUnsetValuesMeanOneReplicaAndRetain() {
    Sandbox sandbox = Serialization.unmarshal("""
        apiVersion: agents.x-k8s.io/v1alpha1
        kind: Sandbox
        metadata: {name: full}
        spec:
          podTemplate:
            metadata: {labels: {a: "1"}, annotations: {b: "2"}}
            spec: {containers: [{name: c, image: i}]}
          volumeClaimTemplates: [{metadata: {name: data, labels: {l: v}}, spec: {accessModes: [ReadWriteOnce]}}]
          shutdownTime: "2025-01-01T00:00:00Z"
          shutdownPolicy: Delete
          replicas: 0
          service: true
        """, Sandbox.class);
    SandboxSpec spec = sandbox.getSpec();
    assertEquals(Map.of("a", "1"), spec.getPodTemplate().getMetadata().getLabels());
    assertEquals(Map.of("b", "2"), spec.getPodTemplate().getMetadata().getAnnotations());
    assertEquals("data", spec.getVolumeClaimTemplates().get(0).getMetadata().getName());
    assertEquals(NOW, SandboxExpiry.shutdownTime(sandbox).orElseThrow());
    assertTrue(SandboxExpiry.deletesSandbox(sandbox));
    assertEquals(0, spec.getReplicas());
    assertEquals(Boolean.TRUE, spec.getService());

    Sandbox minimal = Fixtures.sandbox("min", Fixtures.podTemplate(Map.of(), Map.of()));
    assertNull(minimal.getSpec().getReplicas(), "unset replicas is not written back; the controller treats it as 1");
    assertFalse(SandboxExpiry.deletesSandbox(minimal), "unset shutdownPolicy means Retain");
    minimal.getSpec().setShutdownPolicy(SandboxSpec.SHUTDOWN_RETAIN);
    assertFalse(SandboxExpiry.deletesSandbox(minimal));
    assertTrue(SandboxExpiry.shutdownTime(minimal).isEmpty());
  }

  @Test
  void S2_sandboxBeingDeletedIsLeftAlone() {
    Sandbox sandbox = Fixtures.sandbox("going", Fixtures.podTemplate(Map.of(), Map.of()));
    sandbox.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
    sandbox.getMetadata().setFinalizers(List.of("example.com/hold"));

    // No context: the reconcile must not read or write anything.
    UpdateControl<Sandbox> control = new SandboxReconciler("cluster.local", ControllerMetrics.NOOP).reconcile(sandbox, null);

    assertTrue(control.isNoUpdate());
    assertTrue(control.getScheduleDelay().isEmpty());
  }

  @Test
  void S3_pvcIsNamedAfterTemplateAndSandboxAndCarriesItsLabelsAnnotationsAndSpec() {
    Sandbox sandbox = Fixtures.sandbox("my-sandbox", Fixtures.podTemplate(Map.of(), Map.of()));
    PersistentVolumeClaimTemplate vct = Serialization.unmarshal("""
        metadata: {name: data, labels: {tier: fast}, annotations: {note: scratch}}
        spec: {accessModes: [ReadWriteOnce], storageClassName: local}
        """, PersistentVolumeClaimTemplate.class);
    sandbox.getSpec().setVolumeClaimTemplates(List.of(vct));

    PersistentVolumeClaim pvc = SandboxVolumeClaims.desired(vct, sandbox);

    assertEquals("data-my-sandbox", pvc.getMetadata().getName());
    assertEquals("ns", pvc.getMetadata().getNamespace());
    assertEquals(Map.of("tier", "fast", SandboxKeys.SANDBOX_NAME_HASH, "374de8f5"), pvc.getMetadata().getLabels());
    assertEquals(Map.of("note", "scratch"), pvc.getMetadata().getAnnotations());
    assertEquals(vct.getSpec(), pvc.getSpec());
    assertEquals("sandbox-uid", pvc.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals(Map.of("tier", "fast"), vct.getMetadata().getLabels(), "the template is not modified");
  }

  @Test
  void S14_markingKeepsTheStatusAndRetainKeepsOnlyTheConditions() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    Condition finished = new ConditionBuilder().withType(SandboxKeys.CONDITION_FINISHED).withStatus("True")
        .withReason("PodSucceeded").withMessage("Pod completed successfully").withLastTransitionTime("2024-12-31T00:00:00Z")
        .build();
    sandbox.setStatus(new SandboxStatus(List.of(finished), List.of("10.0.0.1"), "sel", "sb", 1,
        "sb.ns.svc.cluster.local"));
    assertFalse(SandboxExpiry.marked(sandbox));

    SandboxStatus marked = SandboxExpiry.markedStatus(sandbox, NOW);
    Condition ready = marked.condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("SandboxExpired", ready.getReason());
    assertEquals("Sandbox has expired", ready.getMessage());
    assertEquals(3L, ready.getObservedGeneration());
    assertEquals(List.of("10.0.0.1"), marked.podIPs());
    assertEquals("sel", marked.selector());
    sandbox.setStatus(marked);
    assertTrue(SandboxExpiry.marked(sandbox));

    SandboxStatus retained = SandboxExpiry.retainedStatus(sandbox);
    assertEquals(marked.conditions(), retained.conditions());
    assertEquals(finished, retained.condition(SandboxKeys.CONDITION_FINISHED).orElseThrow());
    assertNull(retained.replicas());
    assertNull(retained.selector());
    assertNull(retained.podIPs());
    assertNull(retained.service());
    assertNull(retained.serviceFQDN());
  }

  @Test
  void S14_expiryStartsAtTheShutdownTimeItself() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    sandbox.getSpec().setShutdownTime("2025-01-01T00:00:00Z");
    assertFalse(SandboxExpiry.expired(sandbox, NOW.minusMillis(1)));
    assertTrue(SandboxExpiry.expired(sandbox, NOW));
    sandbox.getSpec().setShutdownTime("2025-01-01T01:00:00+01:00");
    assertTrue(SandboxExpiry.expired(sandbox, NOW), "offsets are honoured");
  }

  @Test
  void S15_requeueIsTheTimeLeftButAtLeastTwoSeconds() {
    assertEquals(Duration.ofMinutes(5), SandboxExpiry.requeueAfter(NOW, NOW.plus(Duration.ofMinutes(5))));
    assertEquals(Duration.ofSeconds(2), SandboxExpiry.requeueAfter(NOW, NOW.plusMillis(500)));
    assertEquals(Duration.ofSeconds(2), SandboxExpiry.requeueAfter(NOW, NOW.minusSeconds(1)));
    assertEquals(Duration.ofMillis(1), SandboxExpiry.AFTER_MARK);
  }

  @Test
  void S15_statusIsWrittenOnlyWhenItsJsonChanges() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    SandboxStatus first = new SandboxStatusCalculation(sandbox, null, false, null, false, List.of(), "cluster.local")
        .compute(NOW);
    sandbox.setStatus(first);
    SandboxStatus again = new SandboxStatusCalculation(sandbox, null, false, null, false, List.of(), "cluster.local")
        .compute(NOW.plusSeconds(60));
    assertTrue(KubernetesWrites.sameJson(first, again), "nothing changed, so nothing is written");
    SandboxStatus suspended = new SandboxStatusCalculation(sandbox, null, true, null, false, List.of(), "cluster.local")
        .compute(NOW.plusSeconds(60));
    assertFalse(KubernetesWrites.sameJson(first, suspended));
  }

  @Test
  void S16_onlyPodsAndServicesControlledByASandboxTriggerIt() {
    Pod controlled = pod(true, "Sandbox", "agents.x-k8s.io/v1alpha1");
    assertEquals(Set.of(new ResourceID("owner", "ns")), SandboxReconciler.controllingSandbox(controlled));
    assertEquals(Set.of(), SandboxReconciler.controllingSandbox(pod(false, "Sandbox", "agents.x-k8s.io/v1alpha1")));
    assertEquals(Set.of(), SandboxReconciler.controllingSandbox(pod(true, "ReplicaSet", "apps/v1")));
    assertEquals(Set.of(), SandboxReconciler.controllingSandbox(
        new PodBuilder().withNewMetadata().withName("bare").withNamespace("ns").endMetadata().build()));
  }

  private static Pod pod(boolean controller, String kind, String apiVersion) {
    return new PodBuilder().withNewMetadata().withName("p").withNamespace("ns")
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName("owner")
            .withUid("u").withController(controller).build())
        .endMetadata().build();
  }

  @Test
  void X1_everyObjectTheControllersCreateHasOneControllerReferenceAndNoFinalizers() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    PersistentVolumeClaimTemplate vct = new PersistentVolumeClaimTemplate();
    vct.setMetadata(new ObjectMetaBuilder().withName("data").build());
    var template = Fixtures.template("tpl", Fixtures.podTemplate(Map.of(), Map.of()));
    template.getMetadata().setUid("template-uid");
    var claim = Fixtures.claim("c", "tpl");
    List<Map.Entry<HasMetadata, HasMetadata>> childAndOwner = List.of(
        Map.entry(SandboxPods.desired(sandbox), sandbox),
        Map.entry(SandboxServices.desired(sandbox), sandbox),
        Map.entry(SandboxVolumeClaims.desired(vct, sandbox), sandbox),
        Map.entry(ClaimSandboxes.desired(claim, template), claim),
        Map.entry(TemplateNetworkPolicies.desired(template), template));
    for (Map.Entry<HasMetadata, HasMetadata> pair : childAndOwner) {
      HasMetadata child = pair.getKey();
      HasMetadata owner = pair.getValue();
      assertEquals(1, child.getMetadata().getOwnerReferences().size(), child.getKind());
      var ref = child.getMetadata().getOwnerReferences().get(0);
      assertEquals(owner.getKind(), ref.getKind());
      assertEquals(owner.getApiVersion(), ref.getApiVersion());
      assertEquals(owner.getMetadata().getUid(), ref.getUid());
      assertEquals(Boolean.TRUE, ref.getController());
      assertEquals(Boolean.TRUE, ref.getBlockOwnerDeletion());
      assertTrue(child.getMetadata().getFinalizers() == null || child.getMetadata().getFinalizers().isEmpty(),
          child.getKind());
    }
  }
}
