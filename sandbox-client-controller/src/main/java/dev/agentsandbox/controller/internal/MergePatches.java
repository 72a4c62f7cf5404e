package dev.agentsandbox.controller.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patches (RFC 7386). Those for metadata carry no resourceVersion, so they never
 * conflict with writers of other fields (the kubelet writing pod status, for one); those for a
 * status do, since a status is computed from what the object was.
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

  /**
   * The JSON merge patch that turns {@code from} into {@code to} (RFC 7386): changed values
   * replace, keys that went become null, nested objects are patched key by key, and anything
   * else (lists included) is sent whole. Null when they are equal.
   */
  static JsonNode between(JsonNode from, JsonNode to) {
    if (from != null && from.equals(to)) {
      return null;
    }
    if (from == null || !from.isObject() || to == null || !to.isObject()) {
      return to == null ? NullNode.getInstance() : to;
    }
    ObjectNode patch = MAPPER.createObjectNode();
    from.fieldNames().forEachRemaining(name -> {
      if (!to.has(name)) {
        patch.putNull(name);
      }
    });
    to.fields().forEachRemaining(field -> {
      JsonNode change = between(from.get(field.getKey()), field.getValue());
      if (change != null) {
        patch.set(field.getKey(), change);
      }
    });
    return patch;
  }

  /**
   * A merge patch of the /status subresource from {@code from} to {@code to}, on condition that
   * the object is still at {@code resourceVersion} (an API server answers 409 Conflict
   * otherwise). Null when the two statuses are equal.
   */
  static String status(String resourceVersion, JsonNode from, JsonNode to) {
    JsonNode change = between(from == null || from.isNull() ? null : from, to);
    if (change == null) {
      return null;
    }
    ObjectNode root = MAPPER.createObjectNode();
    root.putObject("metadata").put("resourceVersion", resourceVersion);
    root.set("status", change);
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
