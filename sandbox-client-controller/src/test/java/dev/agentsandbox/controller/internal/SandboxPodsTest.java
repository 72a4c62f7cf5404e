package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxPodsTest {

  @Test
  void S5_podGetsSandboxNameHashAndTemplateLabels() {
    Sandbox sandbox = Fixtures.sandbox("my-sandbox",
        Fixtures.podTemplate(Map.of("b", "2", "a", "1"), Map.of("z", "26", "y", "25")));

    Pod pod = SandboxPods.desired(sandbox);

    assertEquals("my-sandbox", pod.getMetadata().getName());
    assertEquals("ns", pod.getMetadata().getNamespace());
    assertEquals(Map.of(SandboxKeys.SANDBOX_NAME_HASH, "374de8f5", "a", "1", "b", "2"), pod.getMetadata().getLabels());
    assertEquals(Map.of("z", "26", "y", "25", SandboxKeys.PROPAGATED_LABELS, "a,b",
        SandboxKeys.PROPAGATED_ANNOTATIONS, "y,z"), pod.getMetadata().getAnnotations());
    assertEquals(sandbox.getSpec().getPodTemplate().getSpec(), pod.getSpec());
    OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
    assertEquals("agents.x-k8s.io/v1alpha1", owner.getApiVersion());
    assertEquals("Sandbox", owner.getKind());
    assertEquals("sandbox-uid", owner.getUid());
    assertTrue(owner.getController());
    assertTrue(owner.getBlockOwnerDeletion());
  }

  @Test
  void S5_templateLabelsOverrideTheNameHashAndEmptyKeyListsAreOmitted() {
    Sandbox sandbox = Fixtures.sandbox("my-sandbox",
        Fixtures.podTemplate(Map.of(SandboxKeys.SANDBOX_NAME_HASH, "custom"), null));

    Pod pod = SandboxPods.desired(sandbox);

    assertEquals(Map.of(SandboxKeys.SANDBOX_NAME_HASH, "custom"), pod.getMetadata().getLabels());
    assertEquals(Map.of(SandboxKeys.PROPAGATED_LABELS, SandboxKeys.SANDBOX_NAME_HASH),
        pod.getMetadata().getAnnotations());
  }

  @Test
  void S5_volumeClaimTemplatesReplaceSameNamedVolumesAndGoLast() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    sandbox.getSpec().getPodTemplate().getSpec().setVolumes(List.of(
        new VolumeBuilder().withName("data").withNewEmptyDir().endEmptyDir().build(),
        new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()));
    PersistentVolumeClaimTemplate vct = new PersistentVolumeClaimTemplate();
    vct.setMetadata(new ObjectMetaBuilder().withName("data").build());
    sandbox.getSpec().setVolumeClaimTemplates(List.of(vct));

    Pod pod = SandboxPods.desired(sandbox);

    assertEquals(List.of("tmp", "data"), pod.getSpec().getVolumes().stream().map(v -> v.getName()).toList());
    assertEquals("data-sb", pod.getSpec().getVolumes().get(1).getPersistentVolumeClaim().getClaimName());
    assertEquals(2, sandbox.getSpec().getPodTemplate().getSpec().getVolumes().size(), "template untouched");
  }

  @Test
  void S4_podNameIsTheAnnotationWhenSetElseTheSandboxName() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    assertEquals("sb", SandboxPods.podName(sandbox));
    sandbox.getMetadata().setAnnotations(Map.of(SandboxKeys.POD_NAME, ""));
    assertEquals("sb", SandboxPods.podName(sandbox));
    sandbox.getMetadata().setAnnotations(Map.of(SandboxKeys.POD_NAME, "pool-abcde"));
    assertEquals("pool-abcde", SandboxPods.podName(sandbox));
  }

  @Test
  void S6_syncUpsertsTemplateKeysAndDropsKeysNoLongerInTheTemplate() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of("keep", "new"), Map.of()));
    Pod pod = new Pod();
    pod.setMetadata(new ObjectMetaBuilder().withName("sb")
        .withLabels(Map.of("keep", "old", "gone", "x", "foreign", "f"))
        .withAnnotations(Map.of(SandboxKeys.PROPAGATED_LABELS, "gone,keep",
            SandboxKeys.PROPAGATED_ANNOTATIONS, "note", "note", "n", "other", "o"))
        .build());

    assertTrue(SandboxPods.syncMetadata(pod, sandbox));

    assertEquals(Map.of("keep", "new", "foreign", "f", SandboxKeys.SANDBOX_NAME_HASH, NameHash.of("sb")),
        pod.getMetadata().getLabels());
    assertEquals(Map.of(SandboxKeys.PROPAGATED_LABELS, "keep", SandboxKeys.PROPAGATED_ANNOTATIONS, "", "other", "o"),
        pod.getMetadata().getAnnotations());
    assertFalse(SandboxPods.syncMetadata(pod, sandbox), "a second sync changes nothing");
  }

  @Test
  void S6_freshlyCreatedPodNeedsNoSync() {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of("app", "x"), null));
    Pod pod = SandboxPods.desired(sandbox);
    assertFalse(SandboxPods.syncMetadata(pod, sandbox));
    assertNull(pod.getMetadata().getAnnotations().get(SandboxKeys.PROPAGATED_ANNOTATIONS));
  }
}
