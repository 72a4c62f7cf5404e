package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceClonerTest {
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final ResourceCloner cloner = new ResourceCloner(serialization);

  @Test
  void theCopyWritesTheSameJsonAndSharesNothingMutable() {
    PodTemplateSpec template = new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(new HashMap<>(Map.of("app", "python"))).endMetadata()
        .withNewSpec()
        .addNewContainer().withName("runtime").withImage("python:3.12")
        .withNewResources().addToLimits("memory", new Quantity("512Mi")).endResources()
        .endContainer()
        .endSpec()
        .build();
    Sandbox original = Fixtures.sandbox("box", template);
    original.getMetadata().setLabels(new HashMap<>(Map.of("team", "search")));
    original.getMetadata().setResourceVersion("42");
    original.setStatus(new SandboxStatus(List.of(new ConditionBuilder().withType("Ready").withStatus("True")
        .withReason("DependenciesReady").withObservedGeneration(3L).build()), List.of("10.0.0.7"), null, null, 1, null));
    String before = serialization.asJson(original);

    Sandbox copy = cloner.clone(original);

    assertEquals(before, serialization.asJson(copy));
    assertNotSame(original, copy);
    assertNotSame(original.getMetadata(), copy.getMetadata());
    assertNotSame(original.getSpec().getPodTemplate().getSpec(), copy.getSpec().getPodTemplate().getSpec());
    copy.getMetadata().getLabels().put("team", "changed");
    copy.getSpec().getPodTemplate().getSpec().getContainers().get(0).setImage("changed");
    copy.getStatus().conditions().get(0).setReason("changed");
    assertEquals(before, serialization.asJson(original), "the original is untouched by changes to the copy");
  }
}
