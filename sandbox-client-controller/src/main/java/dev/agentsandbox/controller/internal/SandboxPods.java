package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The pod of a Sandbox as a pure function of the Sandbox (spec S4-S6). */
final class SandboxPods {
  private SandboxPods() {
  }

  /** S4: the pod a Sandbox points at: its pod-name annotation if non-empty, else its own name. */
  static String podName(Sandbox sandbox) {
    Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
    String annotated = annotations == null ? null : annotations.get(SandboxKeys.POD_NAME);
    return annotated == null || annotated.isEmpty() ? sandbox.getMetadata().getName() : annotated;
  }

  /** S5: the pod to create for a Sandbox that has none. */
  static Pod desired(Sandbox sandbox) {
    PodTemplateSpec template = podTemplate(sandbox);
    Map<String, String> templateLabels = orEmpty(template.getMetadata() == null ? null : template.getMetadata().getLabels());
    Map<String, String> templateAnnotations =
        orEmpty(template.getMetadata() == null ? null : template.getMetadata().getAnnotations());
    String name = sandbox.getMetadata().getName();

    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of(name));
    labels.putAll(templateLabels);
    Map<String, String> annotations = new LinkedHashMap<>(templateAnnotations);
    if (!templateLabels.isEmpty()) {
      annotations.put(SandboxKeys.PROPAGATED_LABELS, sortedKeys(templateLabels));
    }
    if (!templateAnnotations.isEmpty()) {
      annotations.put(SandboxKeys.PROPAGATED_ANNOTATIONS, sortedKeys(templateAnnotations));
    }

    PodSpec spec = template.getSpec() == null ? new PodSpec() : Serialization.clone(template.getSpec());
    List<PersistentVolumeClaimTemplate> vcts = sandbox.getSpec().getVolumeClaimTemplates();
    if (vcts != null && !vcts.isEmpty()) {
      List<Volume> volumes = spec.getVolumes() == null ? new ArrayList<>() : new ArrayList<>(spec.getVolumes());
      for (PersistentVolumeClaimTemplate vct : vcts) {
        String vctName = vct.getMetadata().getName();
        volumes.removeIf(v -> vctName.equals(v.getName()));
        volumes.add(new VolumeBuilder()
            .withName(vctName)
            .withNewPersistentVolumeClaim()
            .withClaimName(vctName + "-" + name)
            .endPersistentVolumeClaim()
            .build());
      }
      spec.setVolumes(volumes);
    }

    Pod pod = new Pod();
    pod.setMetadata(new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(sandbox.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .withOwnerReferences(ControllerReferences.to(sandbox))
        .build());
    pod.setSpec(spec);
    return pod;
  }

  /**
   * S6: brings an existing pod's labels and annotations in line with the pod template, in
   * place. The spec is never touched. Returns whether anything changed.
   *
   * <p>Unlike the reference, an absent propagated-keys annotation is left absent when there are
   * no keys to list, which spares one pod write right after creation.
   */
  static boolean syncMetadata(Pod pod, Sandbox sandbox) {
    PodTemplateSpec template = podTemplate(sandbox);
    Map<String, String> templateLabels = orEmpty(template.getMetadata() == null ? null : template.getMetadata().getLabels());
    Map<String, String> templateAnnotations =
        orEmpty(template.getMetadata() == null ? null : template.getMetadata().getAnnotations());
    ObjectMeta meta = pod.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(orEmpty(meta.getLabels()));
    Map<String, String> annotations = new LinkedHashMap<>(orEmpty(meta.getAnnotations()));

    labels.put(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of(sandbox.getMetadata().getName()));
    labels.putAll(templateLabels);
    annotations.putAll(templateAnnotations);
    for (String key : listedKeys(annotations.get(SandboxKeys.PROPAGATED_LABELS))) {
      if (!templateLabels.containsKey(key) && !SandboxKeys.SANDBOX_NAME_HASH.equals(key)) {
        labels.remove(key);
      }
    }
    for (String key : listedKeys(annotations.get(SandboxKeys.PROPAGATED_ANNOTATIONS))) {
      if (!templateAnnotations.containsKey(key)) {
        annotations.remove(key);
      }
    }
    writeKeyList(annotations, SandboxKeys.PROPAGATED_LABELS, templateLabels);
    writeKeyList(annotations, SandboxKeys.PROPAGATED_ANNOTATIONS, templateAnnotations);

    boolean changed = !labels.equals(orEmpty(meta.getLabels()))
        || !annotations.equals(orEmpty(meta.getAnnotations()));
    if (changed) {
      meta.setLabels(labels);
      meta.setAnnotations(annotations);
    }
    return changed;
  }

  private static void writeKeyList(Map<String, String> annotations, String key, Map<String, String> source) {
    if (source.isEmpty() && !annotations.containsKey(key)) {
      return;
    }
    annotations.put(key, sortedKeys(source));
  }

  private static PodTemplateSpec podTemplate(Sandbox sandbox) {
    PodTemplateSpec template = sandbox.getSpec() == null ? null : sandbox.getSpec().getPodTemplate();
    return template == null ? new PodTemplateSpec() : template;
  }

  private static Set<String> listedKeys(String value) {
    Set<String> keys = new TreeSet<>();
    if (value != null && !value.isEmpty()) {
      Arrays.stream(value.split(",")).filter(s -> !s.isEmpty()).forEach(keys::add);
    }
    return keys;
  }

  static String sortedKeys(Map<String, String> map) {
    return String.join(",", new TreeSet<>(map.keySet()));
  }

  static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
