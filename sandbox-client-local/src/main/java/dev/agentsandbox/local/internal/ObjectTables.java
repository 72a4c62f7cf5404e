package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Objects as the tables ({@code meta.k8s.io/v1} {@code Table}) that kubectl asks for with
 * {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}: a custom resource's columns
 * come from its definition's printer columns, a built-in kind's are those kubectl users know
 * (a pod's READY, STATUS, RESTARTS, AGE, ...).
 */
final class ObjectTables {
  /** What a request's {@code includeObject} asks each row to carry. */
  enum IncludeObject {
    NONE, METADATA, OBJECT;

    static IncludeObject of(String value) {
      if (value == null) {
        return METADATA;
      }
      return switch (value) {
        case "None" -> NONE;
        case "Object" -> OBJECT;
        default -> METADATA;
      };
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Configuration JSON_PATH = Configuration.builder()
      .jsonProvider(new JacksonJsonNodeJsonProvider(MAPPER))
      .mappingProvider(new JacksonMappingProvider(MAPPER))
      .options(Option.SUPPRESS_EXCEPTIONS, Option.ALWAYS_RETURN_LIST)
      .build();

  /** One column: its definition and how a cell is read from an object. */
  private record Column(String name, String type, String format, String description, int priority,
      Function<JsonNode, JsonNode> cell) {
  }

  private ObjectTables() {
  }

  /** Whether an Accept header asks for a table. */
  static boolean acceptsTable(String accept) {
    if (accept == null) {
      return false;
    }
    for (String range : accept.split(",")) {
      String normalized = range.replace(" ", "");
      if (normalized.contains(";as=Table") && normalized.contains(";g=meta.k8s.io")
          && (normalized.contains(";v=v1;") || normalized.endsWith(";v=v1")
              || normalized.contains(";v=v1beta1"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The table of {@code objects} of {@code kind}.
   *
   * @param listMetadata the metadata of the list (its resourceVersion), or null for one object
   */
  static ObjectNode table(ServedApis.Kind kind, List<JsonNode> objects, JsonNode listMetadata,
      IncludeObject include, Instant now) {
    List<Column> columns = columnsOf(kind, now);
    ObjectNode table = MAPPER.createObjectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    if (listMetadata != null && listMetadata.hasNonNull("resourceVersion")) {
      metadata.put("resourceVersion", listMetadata.get("resourceVersion").asText());
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column column : columns) {
      ObjectNode definition = definitions.addObject();
      definition.put("name", column.name());
      definition.put("type", column.type());
      definition.put("format", column.format());
      definition.put("description", column.description());
      definition.put("priority", column.priority());
    }
    ArrayNode rows = table.putArray("rows");
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column column : columns) {
        JsonNode cell = column.cell().apply(object);
        cells.add(cell == null ? NODES.nullNode() : cell);
      }
      if (include == IncludeObject.OBJECT) {
        row.set("object", object);
      } else if (include == IncludeObject.METADATA) {
        ObjectNode partial = row.putObject("object");
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", object.path("metadata").deepCopy());
      }
    }
    return table;
  }

  private static List<Column> columnsOf(ServedApis.Kind kind, Instant now) {
    List<Column> columns = new ArrayList<>();
    columns.add(new Column("Name", "string", "name", "Name must be unique within a namespace.", 0,
        object -> NODES.textNode(object.path("metadata").path("name").asText())));
    if (kind.custom()) {
      for (ServedApis.PrinterColumn printer : kind.printerColumns()) {
        JsonPath path = compile(printer.jsonPath());
        columns.add(new Column(printer.name(), printer.type(), printer.format(), printer.description(),
            printer.priority(), object -> customCell(path, printer.type(), object, now)));
      }
      return columns;
    }
    switch (kind.kind()) {
      case "Pod" -> {
        columns.add(text("Ready", 0, ObjectTables::podReady));
        columns.add(text("Status", 0, ObjectTables::podStatus));
        columns.add(new Column("Restarts", "string", "", "", 0, ObjectTables::podRestarts));
        columns.add(age(now));
        columns.add(text("IP", 1, pod -> pod.path("status").path("podIP").asText("<none>")));
        columns.add(text("Node", 1, pod -> pod.path("spec").path("nodeName").asText("<none>")));
        columns.add(text("Nominated Node", 1, pod -> pod.path("status").path("nominatedNodeName").asText("<none>")));
        columns.add(text("Readiness Gates", 1, pod -> "<none>"));
      }
      case "Service" -> {
        columns.add(text("Type", 0, svc -> svc.path("spec").path("type").asText("ClusterIP")));
        columns.add(text("Cluster-IP", 0, svc -> svc.path("spec").path("clusterIP").asText("<none>")));
        columns.add(text("External-IP", 0, svc -> "<none>"));
        columns.add(text("Port(s)", 0, ObjectTables::servicePorts));
        columns.add(age(now));
        columns.add(text("Selector", 1, svc -> selector(svc.path("spec").path("selector"))));
      }
      case "Deployment", "ReplicaSet", "StatefulSet" -> {
        columns.add(text("Ready", 0, workload -> workload.path("status").path("readyReplicas").asInt(0) + "/"
            + workload.path("spec").path("replicas").asInt(1)));
        if (kind.kind().equals("Deployment")) {
          columns.add(new Column("Up-to-date", "integer", "", "", 0,
              workload -> NODES.numberNode(workload.path("status").path("updatedReplicas").asInt(0))));
          columns.add(new Column("Available", "integer", "", "", 0,
              workload -> NODES.numberNode(workload.path("status").path("availableReplicas").asInt(0))));
        }
        columns.add(age(now));
      }
      case "ConfigMap" -> {
        columns.add(new Column("Data", "integer", "", "", 0, object -> NODES.numberNode(
            object.path("data").size() + object.path("binaryData").size())));
        columns.add(age(now));
      }
      case "Secret" -> {
        columns.add(text("Type", 0, secret -> secret.path("type").asText("Opaque")));
        columns.add(new Column("Data", "integer", "", "", 0, secret -> NODES.numberNode(secret.path("data").size())));
        columns.add(age(now));
      }
      case "Namespace" -> {
        columns.add(text("Status", 0, ns -> ns.path("status").path("phase").asText("Active")));
        columns.add(age(now));
      }
      case "Event" -> {
        columns.clear();
        columns.add(text("Last Seen", 0, event -> age(lastSeen(EventViews.asCore(event)), now)));
        columns.add(text("Type", 0, event -> EventViews.asCore(event).path("type").asText("")));
        columns.add(text("Reason", 0, event -> EventViews.asCore(event).path("reason").asText("")));
        columns.add(text("Object", 0, event -> {
          JsonNode involved = EventViews.asCore(event).path("involvedObject");
          return involved.path("kind").asText("").toLowerCase(Locale.ROOT) + "/" + involved.path("name").asText("");
        }));
        columns.add(text("Message", 0, event -> EventViews.asCore(event).path("message").asText("")));
      }
      default -> columns.add(age(now));
    }
    return columns;
  }

  private static String lastSeen(JsonNode coreEvent) {
    for (String field : new String[] {"lastTimestamp", "eventTime", "firstTimestamp"}) {
      String value = coreEvent.path(field).asText("");
      if (!value.isEmpty()) {
        return value;
      }
    }
    return coreEvent.path("metadata").path("creationTimestamp").asText(null);
  }

  private static Column text(String name, int priority, Function<JsonNode, String> value) {
    return new Column(name, "string", "", "", priority, object -> NODES.textNode(value.apply(object)));
  }

  private static Column age(Instant now) {
    return new Column("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when "
        + "this object was created.", 0, object -> NODES.textNode(age(object.path("metadata")
            .path("creationTimestamp").asText(null), now)));
  }

  /** A Kubernetes JSONPath ({@code .status.replicas}, {@code {.a.b}}) as a JSONPath from the root. */
  private static JsonPath compile(String kubernetesPath) {
    String path = kubernetesPath.trim();
    if (path.startsWith("{") && path.endsWith("}")) {
      path = path.substring(1, path.length() - 1).trim();
    }
    if (!path.startsWith("$")) {
      path = "$" + (path.startsWith(".") || path.startsWith("[") ? "" : ".") + path;
    }
    try {
      return JsonPath.compile(path);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static JsonNode customCell(JsonPath path, String type, JsonNode object, Instant now) {
    if (path == null) {
      return null;
    }
    JsonNode found = path.read(object, JSON_PATH);
    if (found == null || !found.isArray() || found.isEmpty()) {
      return null;
    }
    JsonNode value;
    if (found.size() == 1) {
      value = found.get(0);
    } else {
      List<String> parts = new ArrayList<>();
      found.forEach(part -> parts.add(part.isValueNode() ? part.asText() : part.toString()));
      value = NODES.textNode(String.join(",", parts));
    }
    if (value == null || value.isNull()) {
      return null;
    }
    return switch (type) {
      case "date" -> NODES.textNode(age(value.asText(), now));
      case "integer" -> value.canConvertToLong() ? NODES.numberNode(value.asLong()) : value;
      case "number" -> value.isNumber() ? value : NODES.textNode(value.asText());
      case "boolean" -> value.isBoolean() ? value : NODES.textNode(value.asText());
      default -> value.isValueNode() ? NODES.textNode(value.asText()) : NODES.textNode(value.toString());
    };
  }

  private static String podReady(JsonNode pod) {
    JsonNode statuses = pod.path("status").path("containerStatuses");
    int containers = Math.max(pod.path("spec").path("containers").size(), statuses.size());
    if (statuses.isEmpty()) {
      // A pod that reports no container statuses is as ready as its Ready condition.
      for (JsonNode condition : pod.path("status").path("conditions")) {
        if ("Ready".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
          return containers + "/" + containers;
        }
      }
      return "0/" + containers;
    }
    int ready = 0;
    for (JsonNode status : statuses) {
      if (status.path("ready").asBoolean(false)) {
        ready++;
      }
    }
    return ready + "/" + containers;
  }

  private static String podStatus(JsonNode pod) {
    if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
      return "Terminating";
    }
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      String waiting = status.path("state").path("waiting").path("reason").asText("");
      if (!waiting.isEmpty()) {
        return waiting;
      }
      String terminated = status.path("state").path("terminated").path("reason").asText("");
      if (!terminated.isEmpty()) {
        return terminated;
      }
    }
    String reason = pod.path("status").path("reason").asText("");
    return reason.isEmpty() ? pod.path("status").path("phase").asText("Pending") : reason;
  }

  private static JsonNode podRestarts(JsonNode pod) {
    int restarts = 0;
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      restarts += status.path("restartCount").asInt(0);
    }
    return NODES.textNode(String.valueOf(restarts));
  }

  private static String servicePorts(JsonNode service) {
    List<String> ports = new ArrayList<>();
    for (JsonNode port : service.path("spec").path("ports")) {
      ports.add(port.path("port").asInt() + "/" + port.path("protocol").asText("TCP"));
    }
    return ports.isEmpty() ? "<none>" : String.join(",", ports);
  }

  private static String selector(JsonNode labels) {
    List<String> pairs = new ArrayList<>();
    labels.fields().forEachRemaining(e -> pairs.add(e.getKey() + "=" + e.getValue().asText()));
    return pairs.isEmpty() ? "<none>" : String.join(",", pairs);
  }

  /** How long ago {@code timestamp} was, in kubectl's words ({@code 45s}, {@code 3m12s}, {@code 2d}). */
  static String age(String timestamp, Instant now) {
    if (timestamp == null || timestamp.isEmpty()) {
      return "<unknown>";
    }
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp), now));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }

  /** A duration as kubectl shows an age: coarser as it grows. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 180) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long days = (hours / 24) % 365;
      return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
    }
    return String.format(Locale.ROOT, "%dy", hours / 24 / 365);
  }
}
