package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Events in both of the versions a kube-apiserver serves them in, {@code v1} (what
 * {@code kubectl describe} and {@code kubectl get events} read) and {@code events.k8s.io/v1}
 * (what controllers write today), whichever they were written in, and the field selectors that
 * clients use to find the events of one object ({@code involvedObject.name=...}).
 */
final class EventViews {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The collections of events: group path, then the namespace if any. */
  static final Pattern COLLECTION =
      Pattern.compile("/(api/v1|apis/events\\.k8s\\.io/v1)(?:/namespaces/([a-z0-9.-]+))?/events/?");
  static final String CORE = "api/v1";

  /** Fields renamed between the versions: core name to events.k8s.io name. */
  private static final Map<String, String> RENAMED = Map.of(
      "involvedObject", "regarding",
      "message", "note",
      "reportingComponent", "reportingController",
      "count", "deprecatedCount",
      "firstTimestamp", "deprecatedFirstTimestamp",
      "lastTimestamp", "deprecatedLastTimestamp",
      "source", "deprecatedSource");

  private EventViews() {
  }

  /** {@code event} as a {@code v1} Event, whichever version it was stored in. */
  static ObjectNode asCore(JsonNode event) {
    if ("v1".equals(event.path("apiVersion").asText())) {
      return (ObjectNode) event.deepCopy();
    }
    ObjectNode core = MAPPER.createObjectNode();
    core.put("apiVersion", "v1");
    core.put("kind", "Event");
    event.fields().forEachRemaining(field -> {
      String name = field.getKey();
      if (name.equals("apiVersion") || name.equals("kind")) {
        return;
      }
      String renamed = RENAMED.entrySet().stream().filter(e -> e.getValue().equals(name))
          .map(Map.Entry::getKey).findFirst().orElse(name);
      core.set(renamed, field.getValue());
    });
    if (!core.has("source") && core.hasNonNull("reportingComponent")) {
      core.putObject("source").put("component", core.get("reportingComponent").asText());
    }
    return core;
  }

  /** {@code event} as an {@code events.k8s.io/v1} Event, whichever version it was stored in. */
  static ObjectNode asEventsV1(JsonNode event) {
    if ("events.k8s.io/v1".equals(event.path("apiVersion").asText())) {
      return (ObjectNode) event.deepCopy();
    }
    ObjectNode converted = MAPPER.createObjectNode();
    converted.put("apiVersion", "events.k8s.io/v1");
    converted.put("kind", "Event");
    event.fields().forEachRemaining(field -> {
      String name = field.getKey();
      if (!name.equals("apiVersion") && !name.equals("kind")) {
        converted.set(RENAMED.getOrDefault(name, name), field.getValue());
      }
    });
    return converted;
  }

  /** A field selector, as clients write it: {@code a=b,c!=d}. */
  record Selector(List<String[]> requirements) {
    private static final Pattern REQUIREMENT = Pattern.compile("([^=!,]+)(==|=|!=)(.*)");

    static Selector parse(String selector) {
      List<String[]> requirements = new ArrayList<>();
      if (selector != null && !selector.isBlank()) {
        for (String part : selector.split(",")) {
          Matcher m = REQUIREMENT.matcher(part.trim());
          if (!m.matches()) {
            throw new IllegalArgumentException("invalid field selector: " + part);
          }
          requirements.add(new String[] {m.group(1).trim(), m.group(2).equals("!=") ? "!=" : "=", m.group(3).trim()});
        }
      }
      return new Selector(requirements);
    }

    /** Whether a {@code v1} view of an event meets every requirement. */
    boolean matches(JsonNode coreEvent) {
      for (String[] requirement : requirements) {
        String value = fieldValue(coreEvent, requirement[0]);
        boolean equal = requirement[2].equals(value);
        if (requirement[1].equals("=") != equal) {
          return false;
        }
      }
      return true;
    }

    /** The value of a selectable field of an event, named in either version; empty when absent. */
    private static String fieldValue(JsonNode coreEvent, String field) {
      String path = field;
      for (Map.Entry<String, String> renamed : RENAMED.entrySet()) {
        if (path.equals(renamed.getValue()) || path.startsWith(renamed.getValue() + ".")) {
          path = renamed.getKey() + path.substring(renamed.getValue().length());
        }
      }
      if (path.equals("source")) {
        path = "source.component";
      }
      JsonNode node = coreEvent;
      for (String segment : path.split("\\.")) {
        node = node.path(segment);
      }
      return node.isValueNode() ? node.asText() : "";
    }
  }
}
