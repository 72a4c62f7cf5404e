package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a kube-apiserver does with a custom resource before it stores it, by its definition's
 * structural schema: fields the schema does not declare are pruned (unless
 * {@code x-kubernetes-preserve-unknown-fields} keeps them), absent fields with a
 * {@code default} get it, and the result is validated (types, {@code required}, {@code enum},
 * bounds, lengths, patterns, formats; OpenAPI 3.0, by networknt's validator). CEL rules
 * ({@code x-kubernetes-validations}) are not evaluated.
 */
final class CustomResourceSchemas {
  private static final Set<String> OBJECT_FIELDS = Set.of("apiVersion", "kind", "metadata");
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30());

  private CustomResourceSchemas() {
  }

  /**
   * The object to store, or why it cannot be.
   *
   * @param object the pruned and defaulted object
   * @param causes one line per violation, each starting with the field's path; empty when valid
   */
  record Admission(ObjectNode object, List<String> causes) {
    boolean valid() {
      return causes.isEmpty();
    }
  }

  /**
   * A custom resource version's structural schema, with its validator compiled once.
   *
   * @param schema the definition's {@code openAPIV3Schema}
   * @param validator the schema compiled for validation
   */
  record Rules(JsonNode schema, Schema validator) {
    /** Compiles {@code schema}; done once for each served version, not on each write. */
    static Rules of(JsonNode schema) {
      return new Rules(schema, REGISTRY.getSchema(withoutExtensions(schema)));
    }
  }

  /** Prunes, defaults and validates a copy of {@code object} by {@code rules}. */
  static Admission admit(JsonNode object, Rules rules) {
    JsonNode schema = rules.schema();
    ObjectNode admitted = object.deepCopy();
    prune(admitted, schema, true);
    applyDefaults(admitted, schema);
    List<String> causes = new ArrayList<>();
    for (Error error : rules.validator().validate(admitted)) {
      String path = fieldPath(error.getInstanceLocation().toString());
      causes.add((path.isEmpty() ? "<root>" : path) + ": " + error.getMessage().replaceFirst("^[$/][^:]*: ", ""));
    }
    return new Admission(admitted, List.copyOf(causes));
  }

  /** A JSON pointer ({@code /spec/ports/0/name}) as Kubernetes names fields ({@code spec.ports[0].name}). */
  static String fieldPath(String location) {
    StringBuilder path = new StringBuilder();
    for (String segment : location.replaceFirst("^[$#]?/?", "").split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (segment.chars().allMatch(Character::isDigit)) {
        path.append('[').append(segment).append(']');
      } else {
        path.append(path.length() == 0 ? "" : ".").append(segment.replace("~1", "/").replace("~0", "~"));
      }
    }
    return path.toString();
  }

  /** The schema without Kubernetes' own keywords, which are not OpenAPI's and would be reported as unknown. */
  private static JsonNode withoutExtensions(JsonNode schema) {
    JsonNode copy = schema.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> extensions = new ArrayList<>();
      object.fieldNames().forEachRemaining(name -> {
        if (name.startsWith("x-kubernetes-")) {
          extensions.add(name);
        }
      });
      boolean intOrString = object.path("x-kubernetes-int-or-string").asBoolean(false);
      extensions.forEach(object::remove);
      if (intOrString && !object.has("anyOf")) {
        ArrayNode anyOf = object.putArray("anyOf");
        anyOf.addObject().put("type", "integer");
        anyOf.addObject().put("type", "string");
      }
      object.forEach(CustomResourceSchemas::strip);
    } else if (node instanceof ArrayNode array) {
      array.forEach(CustomResourceSchemas::strip);
    }
  }

  private static void prune(JsonNode value, JsonNode schema, boolean resource) {
    if (schema == null || !schema.isObject() || value == null) {
      return;
    }
    if (value instanceof ArrayNode array) {
      array.forEach(item -> prune(item, schema.get("items"), false));
      return;
    }
    if (!(value instanceof ObjectNode object) || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    boolean embedded = resource || schema.path("x-kubernetes-embedded-resource").asBoolean(false);
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      if (embedded && OBJECT_FIELDS.contains(name)) {
        continue;
      }
      if (properties.has(name)) {
        prune(field.getValue(), properties.get(name), false);
      } else if (additional != null && additional.isObject()) {
        prune(field.getValue(), additional, false);
      } else if (additional == null || !additional.asBoolean(false)) {
        it.remove();
      }
    }
  }

  private static void applyDefaults(JsonNode value, JsonNode schema) {
    if (schema == null || !schema.isObject() || value == null) {
      return;
    }
    if (value instanceof ArrayNode array) {
      array.forEach(item -> applyDefaults(item, schema.get("items")));
      return;
    }
    if (!(value instanceof ObjectNode object)) {
      return;
    }
    schema.path("properties").fields().forEachRemaining(property -> {
      JsonNode current = object.get(property.getKey());
      JsonNode defaultValue = property.getValue().get("default");
      if (current == null && defaultValue != null) {
        object.set(property.getKey(), defaultValue.deepCopy());
      }
      applyDefaults(object.get(property.getKey()), property.getValue());
    });
    JsonNode additional = schema.get("additionalProperties");
    if (additional != null && additional.isObject()) {
      object.fields().forEachRemaining(field -> {
        if (!schema.path("properties").has(field.getKey())) {
          applyDefaults(field.getValue(), additional);
        }
      });
    }
  }
}
