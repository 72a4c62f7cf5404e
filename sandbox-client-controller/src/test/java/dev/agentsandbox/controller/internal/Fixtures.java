package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.util.Map;

/** Objects as the API server would return them, for the pure-function tests. */
final class Fixtures {
  private Fixtures() {
  }

  static PodTemplateSpec podTemplate(Map<String, String> labels, Map<String, String> annotations) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("runtime").withImage("python:3.12").endContainer().endSpec()
        .build();
  }

  static Sandbox sandbox(String name, PodTemplateSpec template) {
    SandboxSpec spec = new SandboxSpec();
    spec.setPodTemplate(template);
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid("sandbox-uid")
        .withGeneration(3L).build());
    sandbox.setSpec(spec);
    return sandbox;
  }

  static SandboxTemplate template(String name, PodTemplateSpec podTemplate) {
    SandboxTemplate template = new SandboxTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
    template.setSpec(new SandboxTemplateSpec(podTemplate));
    return template;
  }

  static SandboxClaim claim(String name, String template) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid("claim-uid")
        .withGeneration(2L).build());
    claim.setSpec(spec);
    return claim;
  }
}
