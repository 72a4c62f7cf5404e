package dev.agentsandbox.controller.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patches (RFC 7386) for metadata. They carry no resourceVersion, so they never
 * conflict with writers of other fields (the kubelet writing pod status, for one).
 */
final class MergePatches {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MergePatches() {
  }

  /** Sets one annotation, or removes it when {@code value} is null. */
  static String annotation(String key, String value) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode annotations = root.putObject("metadata").putObject("annotations");
    if (value == null) {
      annotations.putNull(key);
    } else {
      annotations.put(key, value);
    }
    return root.toString();
  }

  /** Turns the labels, annotations and ownerReferences of {@code before} into those of {@code after}. */
  static String metadata(ObjectMeta before, ObjectMeta after) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode metadata = root.putObject("metadata");
    diff(metadata, "labels", before.getLabels(), after.getLabels());
    diff(metadata, "annotations", before.getAnnotations(), after.getAnnotations());
    if (!Objects.equals(before.getOwnerReferences(), after.getOwnerReferences())) {
      metadata.set("ownerReferences", MAPPER.valueToTree(after.getOwnerReferences()));
    }
    return root.toString();
  }

  /** Adds to {@code metadata} the merge of map {@code field} from {@code before} into {@code after}, if they differ. */
  static void diff(ObjectNode metadata, String field, Map<String, String> before, Map<String, String> after) {
    Map<String, String> old = SandboxPods.orEmpty(before);
    Map<String, String> now = SandboxPods.orEmpty(after);
    if (old.equals(now)) {
      return;
    }
    ObjectNode node = metadata.putObject(field);
    old.keySet().stream().filter(k -> !now.containsKey(k)).forEach(node::putNull);
    now.forEach((k, v) -> {
      if (!v.equals(old.get(k))) {
        node.put(k, v);
      }
    });
  }
}
