package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Strategic merge patches ({@code application/strategic-merge-patch+json}) as a kube-apiserver
 * applies them to built-in kinds, which is how {@code kubectl apply} changes an existing
 * Deployment or Service. Maps merge key by key ({@code null} deletes); a list merges element by
 * element where the Kubernetes types say so (containers by {@code name}, service ports by
 * {@code port}, finalizers as a set), and is replaced where they do not; the directives kubectl
 * sends are honoured: {@code $patch} ({@code replace}, {@code delete}, {@code merge}),
 * {@code $retainKeys}, {@code $setElementOrder/<list>} and {@code $deleteFromPrimitiveList/<list>}.
 *
 * <p>The patch strategies and merge keys are those of the Kubernetes OpenAPI definitions that
 * fabric8 publishes ({@code io.fabric8:kubernetes-model-validator}), read once, on the first
 * strategic merge patch, into a small index.
 */
final class StrategicMergePatch {
  private static final String DEFINITIONS_RESOURCE = "/openshift-generated.json";
  private static final String REF_PREFIX = "#/definitions/";
  private static final String PATCH = "$patch";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static volatile StrategicMergePatch loaded;

  /**
   * What the types say of one field.
   *
   * @param ref the definition of the field's object value, or null
   * @param itemRef the definition of the elements of its list value, or null
   * @param mergeKey the key that identifies the elements of a merged list of objects, or null
   * @param merge whether its list value merges rather than being replaced
   */
  private record Field(String ref, String itemRef, String mergeKey, boolean merge) {
  }

  /** Definition name to field name to what the types say of the field. */
  private final Map<String, Map<String, Field>> definitions;
  private final Set<String> names;

  private StrategicMergePatch(Map<String, Map<String, Field>> definitions) {
    this.definitions = definitions;
    this.names = definitions.keySet();
  }

  /** The patch rules of the Kubernetes types, read on first use. */
  static StrategicMergePatch rules() {
    StrategicMergePatch rules = loaded;
    if (rules == null) {
      synchronized (StrategicMergePatch.class) {
        if (loaded == null) {
          loaded = load();
        }
        rules = loaded;
      }
    }
    return rules;
  }

  private static StrategicMergePatch load() {
    try (InputStream in = StrategicMergePatch.class.getResourceAsStream(DEFINITIONS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the Kubernetes type definitions (" + DEFINITIONS_RESOURCE
            + " of io.fabric8:kubernetes-model-validator) are not on the class path");
      }
      JsonNode all = MAPPER.readTree(in).path("definitions");
      Map<String, Map<String, Field>> index = new HashMap<>();
      all.fields().forEachRemaining(definition -> {
        if (!definition.getKey().startsWith("io.k8s.")) {
          return;
        }
        Map<String, Field> fields = new HashMap<>();
        definition.getValue().path("properties").fields().forEachRemaining(property -> {
          JsonNode p = property.getValue();
          String strategy = p.path("x-kubernetes-patch-strategy").asText("");
          Field field = new Field(ref(p), ref(p.path("items")), p.path("x-kubernetes-patch-merge-key").asText(null),
              List.of(strategy.split(",")).contains("merge"));
          if (field.ref() != null || field.itemRef() != null || field.merge()) {
            fields.put(property.getKey(), field);
          }
        });
        index.put(definition.getKey(), Map.copyOf(fields));
      });
      return new StrategicMergePatch(index);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Kubernetes type definitions", e);
    }
  }

  private static String ref(JsonNode property) {
    String ref = property.path("$ref").asText("");
    return ref.startsWith(REF_PREFIX) ? ref.substring(REF_PREFIX.length()) : null;
  }

  /**
   * The definition of a built-in kind, e.g. {@code io.k8s.api.apps.v1.Deployment} for
   * {@code apps/v1} {@code Deployment}; empty for a custom resource, which a kube-apiserver does
   * not patch strategically either.
   */
  Optional<String> definitionOf(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = apiVersion.substring(slash + 1);
    String groupLabel = group.isEmpty() ? "core" : group.split("\\.")[0];
    String suffix = "." + version + "." + kind;
    return names.stream()
        .filter(name -> name.endsWith(suffix) && name.contains("." + groupLabel + "."))
        .findFirst();
  }

  /** Applies {@code patch} to a copy of {@code original}, an object of the given definition. */
  JsonNode apply(JsonNode original, JsonNode patch, String definition) {
    if (!(patch instanceof ObjectNode patchObject)) {
      throw new IllegalArgumentException("a strategic merge patch is a JSON object");
    }
    ObjectNode target = original instanceof ObjectNode object ? object.deepCopy() : MAPPER.createObjectNode();
    JsonNode merged = mergeMap(target, patchObject, definition);
    return merged == null ? MAPPER.createObjectNode() : merged;
  }

  /** Merges {@code patch} into {@code target} (changed in place); null when the patch deletes the map. */
  private ObjectNode mergeMap(ObjectNode target, ObjectNode patch, String definition) {
    String directive = patch.path(PATCH).asText("merge");
    if (directive.equals("delete")) {
      return null;
    }
    if (directive.equals("replace")) {
      return stripDirectives(patch);
    }
    Map<String, Field> fields = definition == null ? Map.of() : definitions.getOrDefault(definition, Map.of());
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getKey();
      if (name.startsWith("$")) {
        continue;
      }
      JsonNode value = entry.getValue();
      Field field = fields.get(name);
      JsonNode current = target.get(name);
      if (value == null || value.isNull()) {
        target.remove(name);
      } else if (value instanceof ObjectNode patchMap) {
        ObjectNode base = current instanceof ObjectNode map ? map : MAPPER.createObjectNode();
        ObjectNode merged = mergeMap(base, patchMap, field == null ? null : field.ref());
        if (merged == null) {
          target.remove(name);
        } else {
          target.set(name, merged);
        }
      } else if (value instanceof ArrayNode patchList && field != null && field.merge()) {
        ArrayNode base = current instanceof ArrayNode list ? list : MAPPER.createArrayNode();
        target.set(name, field.mergeKey() == null ? mergePrimitives(base, patchList)
            : mergeList(base, patchList, field.mergeKey(), field.itemRef()));
      } else {
        target.set(name, stripDirectives(value));
      }
    }
    applyListDirectives(target, patch, fields);
    JsonNode retain = patch.get(RETAIN_KEYS);
    if (retain instanceof ArrayNode keys) {
      Set<String> kept = new HashSet<>();
      keys.forEach(key -> kept.add(key.asText()));
      List<String> names = new ArrayList<>();
      target.fieldNames().forEachRemaining(names::add);
      names.stream().filter(name -> !kept.contains(name)).forEach(target::remove);
    }
    return target;
  }

  private void applyListDirectives(ObjectNode target, ObjectNode patch, Map<String, Field> fields) {
    for (Iterator<String> it = patch.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.startsWith(DELETE_FROM_PRIMITIVE_LIST) && target.get(name.substring(DELETE_FROM_PRIMITIVE_LIST.length()))
          instanceof ArrayNode list) {
        Set<JsonNode> removed = new HashSet<>();
        patch.get(name).forEach(removed::add);
        ArrayNode kept = MAPPER.createArrayNode();
        list.forEach(element -> {
          if (!removed.contains(element)) {
            kept.add(element);
          }
        });
        target.set(name.substring(DELETE_FROM_PRIMITIVE_LIST.length()), kept);
      } else if (name.startsWith(SET_ELEMENT_ORDER)) {
        String listName = name.substring(SET_ELEMENT_ORDER.length());
        if (target.get(listName) instanceof ArrayNode list && patch.get(name) instanceof ArrayNode order) {
          Field field = fields.get(listName);
          target.set(listName, reorder(list, order, field == null ? null : field.mergeKey()));
        }
      }
    }
  }

  /** The elements named in {@code order} first, in its order, then the others as they were. */
  private static ArrayNode reorder(ArrayNode list, ArrayNode order, String mergeKey) {
    List<JsonNode> remaining = new ArrayList<>();
    list.forEach(remaining::add);
    ArrayNode sorted = MAPPER.createArrayNode();
    for (JsonNode wanted : order) {
      JsonNode key = mergeKey == null ? wanted : wanted.get(mergeKey);
      for (Iterator<JsonNode> it = remaining.iterator(); it.hasNext(); ) {
        JsonNode element = it.next();
        JsonNode elementKey = mergeKey == null ? element : element.get(mergeKey);
        if (key != null && key.equals(elementKey)) {
          sorted.add(element);
          it.remove();
          break;
        }
      }
    }
    remaining.forEach(sorted::add);
    return sorted;
  }

  private ArrayNode mergeList(ArrayNode target, ArrayNode patch, String mergeKey, String itemDefinition) {
    for (JsonNode element : patch) {
      if (element instanceof ObjectNode map && "replace".equals(map.path(PATCH).asText())) {
        ArrayNode replaced = MAPPER.createArrayNode();
        for (JsonNode other : patch) {
          if (other != element) {
            replaced.add(stripDirectives(other));
          }
        }
        return replaced;
      }
    }
    ArrayNode result = target.deepCopy();
    for (JsonNode element : patch) {
      if (!(element instanceof ObjectNode patchElement)) {
        result.add(element);
        continue;
      }
      JsonNode key = patchElement.get(mergeKey);
      int index = indexOf(result, mergeKey, key);
      if ("delete".equals(patchElement.path(PATCH).asText())) {
        if (index >= 0) {
          result.remove(index);
        }
      } else if (index >= 0 && result.get(index) instanceof ObjectNode existing) {
        ObjectNode merged = mergeMap(existing, patchElement, itemDefinition);
        if (merged == null) {
          result.remove(index);
        } else {
          result.set(index, merged);
        }
      } else {
        result.add(stripDirectives(patchElement));
      }
    }
    return result;
  }

  private static int indexOf(ArrayNode list, String mergeKey, JsonNode key) {
    if (key == null) {
      return -1;
    }
    for (int i = 0; i < list.size(); i++) {
      if (key.equals(list.get(i).get(mergeKey))) {
        return i;
      }
    }
    return -1;
  }

  private static ArrayNode mergePrimitives(ArrayNode target, ArrayNode patch) {
    ArrayNode result = target.deepCopy();
    Set<JsonNode> present = new HashSet<>();
    target.forEach(present::add);
    for (JsonNode element : patch) {
      if (present.add(element)) {
        result.add(element);
      }
    }
    return result;
  }

  /** A patch value as plain data: its directives removed, at every depth. */
  private static <T extends JsonNode> T stripDirectives(T value) {
    @SuppressWarnings("unchecked")
    T copy = (T) value.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode map) {
      List<String> directives = new ArrayList<>();
      map.fieldNames().forEachRemaining(name -> {
        if (name.startsWith("$")) {
          directives.add(name);
        }
      });
      directives.forEach(map::remove);
      map.forEach(StrategicMergePatch::strip);
    } else if (node instanceof ArrayNode list) {
      list.forEach(StrategicMergePatch::strip);
    }
  }
}
