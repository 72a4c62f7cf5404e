package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The PersistentVolumeClaims of a Sandbox as pure functions of the Sandbox (spec S3). */
final class SandboxVolumeClaims {
  private SandboxVolumeClaims() {
  }

  /** The volume claim templates of the Sandbox, never null. */
  static List<PersistentVolumeClaimTemplate> templates(Sandbox sandbox) {
    List<PersistentVolumeClaimTemplate> vcts = sandbox.getSpec() == null ? null : sandbox.getSpec().getVolumeClaimTemplates();
    return vcts == null ? List.of() : vcts;
  }

  /** S3: the name of the PVC made from {@code vct}: {@code <vct>-<sandbox>}. */
  static String name(PersistentVolumeClaimTemplate vct, Sandbox sandbox) {
    return vct.getMetadata().getName() + "-" + sandbox.getMetadata().getName();
  }

  /** S3: the PVC to create from one volume claim template. */
  static PersistentVolumeClaim desired(PersistentVolumeClaimTemplate vct, Sandbox sandbox) {
    ObjectMeta source = vct.getMetadata() == null ? new ObjectMeta() : vct.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(SandboxPods.orEmpty(source.getLabels()));
    labels.put(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of(sandbox.getMetadata().getName()));
    Map<String, String> annotations = SandboxPods.orEmpty(source.getAnnotations());
    PersistentVolumeClaim pvc = new PersistentVolumeClaim();
    pvc.setMetadata(new ObjectMetaBuilder()
        .withName(name(vct, sandbox))
        .withNamespace(sandbox.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations))
        .withOwnerReferences(ControllerReferences.to(sandbox))
        .build());
    pvc.setSpec(vct.getSpec() == null ? new PersistentVolumeClaimSpec() : Serialization.clone(vct.getSpec()));
    return pvc;
  }
}
