package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a custom resource that its definition's structural schema does not declare:
 * what an API server refuses on a write with {@code fieldValidation=Strict} (and would otherwise
 * prune). A field is declared by the {@code properties} of its object's schema, by
 * {@code additionalProperties}, or by {@code x-kubernetes-preserve-unknown-fields}, which keeps
 * any field below it; {@code apiVersion}, {@code kind} and {@code metadata} are declared at the
 * top and in embedded resources ({@code x-kubernetes-embedded-resource}). Values are not checked
 * against their types: that is schema validation, which this server does not do yet.
 */
final class UnknownFields {
  private static final Set<String> OBJECT_FIELDS = Set.of("apiVersion", "kind", "metadata");

  private UnknownFields() {
  }

  /**
   * The undeclared fields of {@code object}, as paths such as {@code spec.podTemplat} or
   * {@code spec.ports[0].nam}, in the order they appear; empty when every field is declared.
   */
  static List<String> of(JsonNode object, JsonNode schema) {
    List<String> unknown = new ArrayList<>();
    visit(object, schema, "", true, unknown);
    return unknown;
  }

  private static void visit(JsonNode value, JsonNode schema, String path, boolean resource, List<String> unknown) {
    if (schema == null || !schema.isObject() || value == null) {
      return;
    }
    if (value.isArray()) {
      JsonNode items = schema.get("items");
      for (int i = 0; i < value.size(); i++) {
        visit(value.get(i), items, path + "[" + i + "]", false, unknown);
      }
      return;
    }
    if (!value.isObject()) {
      return;
    }
    boolean keepsAny = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    boolean embedded = resource || schema.path("x-kubernetes-embedded-resource").asBoolean(false);
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String name = field.getKey();
      String fieldPath = path.isEmpty() ? name : path + "." + name;
      if (embedded && OBJECT_FIELDS.contains(name)) {
        continue; // type fields and object metadata, whatever the schema says of them
      }
      if (properties.has(name)) {
        visit(field.getValue(), properties.get(name), fieldPath, false, unknown);
      } else if (additional != null && additional.isObject()) {
        visit(field.getValue(), additional, fieldPath, false, unknown);
      } else if (!keepsAny && !(additional != null && additional.asBoolean(false))) {
        unknown.add(fieldPath);
      }
    }
  }
}
