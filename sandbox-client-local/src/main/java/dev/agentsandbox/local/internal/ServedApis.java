package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the embedded API server serves, as a kube-apiserver tells its clients: the built-in kinds
 * the embedded cluster stores and the kinds of the custom resource definitions installed in it,
 * with the discovery documents that clients such as kubectl and client-go read before anything
 * else ({@code /api}, {@code /api/v1}, {@code /apis}, {@code /apis/{group}},
 * {@code /apis/{group}/{version}} and aggregated discovery, {@code apidiscovery.k8s.io/v2}).
 *
 * <p>Immutable: a new instance is made from the definitions stored at the time of each request,
 * so that a definition applied by a client is served at once, as a real API server does after
 * the definition is established.
 */
final class ServedApis {
  /** Media type parameters of an aggregated discovery document. */
  static final String AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

  /** The built-in kinds of {@code kubectl get all}, as a kube-apiserver lists them. */
  private static final Set<String> IN_CATEGORY_ALL = Set.of("Pod", "Service", "Deployment", "ReplicaSet", "StatefulSet");

  private static final List<Kind> BUILT_IN = List.of(
      builtIn(Namespace.class, List.of("ns"), List.of("status")),
      builtIn(Pod.class, List.of("po"), List.of("status", "log", "portforward", "exec")),
      builtIn(Service.class, List.of("svc"), List.of("status")),
      builtIn(Endpoints.class, List.of("ep"), List.of()),
      builtIn(Event.class, List.of("ev"), List.of()),
      builtIn(ConfigMap.class, List.of("cm"), List.of()),
      builtIn(Secret.class, List.of(), List.of()),
      builtIn(ServiceAccount.class, List.of("sa"), List.of()),
      builtIn(PersistentVolumeClaim.class, List.of("pvc"), List.of("status")),
      builtIn(Deployment.class, List.of("deploy"), List.of("status", "scale")),
      builtIn(ReplicaSet.class, List.of("rs"), List.of("status", "scale")),
      builtIn(StatefulSet.class, List.of("sts"), List.of("status", "scale")),
      builtIn(NetworkPolicy.class, List.of("netpol"), List.of()),
      builtIn(Role.class, List.of(), List.of()),
      builtIn(RoleBinding.class, List.of(), List.of()),
      builtIn(ClusterRole.class, List.of(), List.of()),
      builtIn(ClusterRoleBinding.class, List.of(), List.of()),
      builtIn(Lease.class, List.of(), List.of()),
      builtIn(io.fabric8.kubernetes.api.model.events.v1.Event.class, List.of("ev"), List.of()),
      builtIn(CustomResourceDefinition.class, List.of("crd", "crds"), List.of("status")));

  /**
   * One kind as discovery describes it.
   *
   * @param group API group, empty for the core group
   * @param version API version within the group
   * @param plural resource name in URLs
   * @param singular singular resource name
   * @param kind the objects' kind
   * @param namespaced whether objects live in namespaces
   * @param shortNames abbreviations kubectl accepts
   * @param categories categories, such as {@code all}
   * @param subresources subresource names, such as {@code status}
   * @param printerColumns the columns of its tables beyond the name, for a custom resource; empty
   *     for a built-in kind, whose columns are its own
   */
  record Kind(String group, String version, String plural, String singular, String kind, boolean namespaced,
      List<String> shortNames, List<String> categories, List<String> subresources,
      List<PrinterColumn> printerColumns) {

    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    boolean custom() {
      return !printerColumns.isEmpty();
    }
  }

  /**
   * A column of a custom resource's tables, from its definition's {@code additionalPrinterColumns}.
   *
   * @param name column header
   * @param type {@code string}, {@code integer}, {@code number}, {@code boolean} or {@code date}
   * @param format a format hint, or empty
   * @param description what the column shows, or empty
   * @param priority 0 for the default view, more for wider ones
   * @param jsonPath where the value is in the object, e.g. {@code .status.replicas}
   */
  record PrinterColumn(String name, String type, String format, String description, int priority, String jsonPath) {
  }

  /** The column a custom resource's tables show when its definition names none. */
  static final PrinterColumn AGE = new PrinterColumn("Age", "date", "", "", 0, ".metadata.creationTimestamp");

  /** The group versions served, in order, each with its kinds; the first version of a group is its preferred one. */
  private final Map<String, Map<String, List<Kind>>> groups;

  /** The {@code openAPIV3Schema} of each served custom resource version, by {@link #schemaKey}. */
  private final Map<String, JsonNode> schemas;
  /** The schema rules of each served custom resource version, compiled when first needed. */
  private final Map<String, CustomResourceSchemas.Rules> rules = new ConcurrentHashMap<>();
  /** The OpenAPI documents of what is served, made when first asked for. */
  private volatile OpenApiDocuments openApi;

  private ServedApis(Collection<Kind> kinds, Map<String, JsonNode> schemas) {
    Map<String, Map<String, List<Kind>>> byGroup = new LinkedHashMap<>();
    for (Kind kind : kinds) {
      byGroup.computeIfAbsent(kind.group(), g -> new LinkedHashMap<>())
          .computeIfAbsent(kind.version(), v -> new ArrayList<>()).add(kind);
    }
    this.groups = byGroup;
    this.schemas = schemas;
  }

  /**
   * The built-in kinds and those of the given custom resource definitions; a definition's
   * versions are served in its own order, which puts the storage version first in ours.
   */
  static ServedApis of(Collection<JsonNode> customResourceDefinitions) {
    List<Kind> kinds = new ArrayList<>(BUILT_IN);
    Map<String, JsonNode> schemas = new LinkedHashMap<>();
    for (JsonNode crd : customResourceDefinitions) {
      List<Kind> served = kindsOf(crd);
      kinds.addAll(served);
      for (Kind kind : served) {
        for (JsonNode version : crd.path("spec").path("versions")) {
          JsonNode schema = version.path("schema").path("openAPIV3Schema");
          if (version.path("name").asText().equals(kind.version()) && schema.isObject()) {
            schemas.put(schemaKey(kind), schema);
          }
        }
      }
    }
    return new ServedApis(kinds, schemas);
  }

  private static String schemaKey(Kind kind) {
    return kind.groupVersion() + "/" + kind.kind();
  }

  /** The {@code openAPIV3Schema} of a custom resource's version, if its definition gives one. */
  Optional<JsonNode> schema(Kind kind) {
    return Optional.ofNullable(schemas.get(schemaKey(kind)));
  }

  /** The schema rules of a custom resource's version, if its definition gives a schema. */
  Optional<CustomResourceSchemas.Rules> rules(Kind kind) {
    return schema(kind).map(schema -> rules.computeIfAbsent(schemaKey(kind), key -> CustomResourceSchemas.Rules.of(schema)));
  }

  /** Every served kind, group by group and version by version. */
  List<Kind> kinds() {
    List<Kind> all = new ArrayList<>();
    groups.values().forEach(versions -> versions.values().forEach(all::addAll));
    return all;
  }

  /** The kinds served at {@code group/version}, or null when it is not served. */
  List<Kind> kinds(String group, String version) {
    List<Kind> kinds = groups.getOrDefault(group, Map.of()).get(version);
    return kinds == null ? null : List.copyOf(kinds);
  }

  /** The OpenAPI documents of what this instance serves, made once, when first asked for. */
  OpenApiDocuments openApi() {
    OpenApiDocuments documents = openApi;
    if (documents == null) {
      synchronized (this) {
        if (openApi == null) {
          openApi = new OpenApiDocuments(this);
        }
        documents = openApi;
      }
    }
    return documents;
  }

  private static Kind builtIn(Class<? extends HasMetadata> type, List<String> shortNames, List<String> subresources) {
    String group = HasMetadata.getGroup(type);
    String kind = HasMetadata.getKind(type);
    return new Kind(group == null ? "" : group, HasMetadata.getVersion(type), HasMetadata.getPlural(type),
        HasMetadata.getSingular(type), kind, Namespaced.class.isAssignableFrom(type),
        shortNames, IN_CATEGORY_ALL.contains(kind) ? List.of("all") : List.of(), subresources, List.of());
  }

  /** The served versions of one custom resource definition, the storage version first. */
  static List<Kind> kindsOf(JsonNode crd) {
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    String group = spec.path("group").asText("");
    String plural = names.path("plural").asText("");
    if (group.isEmpty() || plural.isEmpty()) {
      return List.of();
    }
    String kind = names.path("kind").asText("");
    String singular = names.path("singular").asText(kind.toLowerCase(Locale.ROOT));
    boolean namespaced = !"Cluster".equals(spec.path("scope").asText());
    List<String> shortNames = texts(names.path("shortNames"));
    List<String> categories = texts(names.path("categories"));
    List<Kind> storage = new ArrayList<>();
    List<Kind> others = new ArrayList<>();
    for (JsonNode version : spec.path("versions")) {
      if (!version.path("served").asBoolean(true)) {
        continue;
      }
      List<String> subresources = new ArrayList<>();
      version.path("subresources").fieldNames().forEachRemaining(subresources::add);
      List<PrinterColumn> columns = new ArrayList<>();
      for (JsonNode column : version.path("additionalPrinterColumns")) {
        columns.add(new PrinterColumn(column.path("name").asText(), column.path("type").asText("string"),
            column.path("format").asText(""), column.path("description").asText(""),
            column.path("priority").asInt(0), column.path("jsonPath").asText()));
      }
      Kind served = new Kind(group, version.path("name").asText(), plural, singular, kind, namespaced, shortNames,
          categories, List.copyOf(subresources), columns.isEmpty() ? List.of(AGE) : List.copyOf(columns));
      (version.path("storage").asBoolean(false) ? storage : others).add(served);
    }
    storage.addAll(others);
    return storage;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return List.copyOf(values);
  }

  /** The kind served at {@code group/version} under {@code plural}, if any. */
  Optional<Kind> find(String group, String version, String plural) {
    List<Kind> kinds = groups.getOrDefault(group, Map.of()).get(version);
    if (kinds == null) {
      return Optional.empty();
    }
    return kinds.stream().filter(k -> k.plural().equals(plural)).findFirst();
  }

  /** Whether {@code group/version} is served at all. */
  boolean serves(String group, String version) {
    return groups.getOrDefault(group, Map.of()).containsKey(version);
  }

  /** {@code /api}: the versions of the core group. */
  ObjectNode coreVersions(String serverAddress) {
    ObjectNode versions = MAPPER.createObjectNode();
    versions.put("kind", "APIVersions");
    ArrayNode list = versions.putArray("versions");
    groups.getOrDefault("", Map.of()).keySet().forEach(list::add);
    ObjectNode address = versions.putArray("serverAddressByClientCIDRs").addObject();
    address.put("clientCIDR", "0.0.0.0/0");
    address.put("serverAddress", serverAddress);
    return versions;
  }

  /** {@code /apis}: every named group. */
  ObjectNode groupList() {
    ObjectNode list = MAPPER.createObjectNode();
    list.put("kind", "APIGroupList");
    list.put("apiVersion", "v1");
    ArrayNode items = list.putArray("groups");
    for (String group : groups.keySet()) {
      if (!group.isEmpty()) {
        items.add(group(group));
      }
    }
    return list;
  }

  /** {@code /apis/{group}}, or null when the group is not served. */
  ObjectNode groupDocument(String group) {
    if (group.isEmpty() || !groups.containsKey(group)) {
      return null;
    }
    ObjectNode document = group(group);
    document.put("kind", "APIGroup");
    document.put("apiVersion", "v1");
    return document;
  }

  private ObjectNode group(String group) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("name", group);
    ArrayNode versions = node.putArray("versions");
    for (String version : groups.get(group).keySet()) {
      ObjectNode entry = versions.addObject();
      entry.put("groupVersion", group + "/" + version);
      entry.put("version", version);
    }
    node.set("preferredVersion", versions.get(0).deepCopy());
    return node;
  }

  /** {@code /api/v1} or {@code /apis/{group}/{version}}, or null when not served. */
  ObjectNode resourceList(String group, String version) {
    List<Kind> kinds = groups.getOrDefault(group, Map.of()).get(version);
    if (kinds == null) {
      return null;
    }
    ObjectNode list = MAPPER.createObjectNode();
    list.put("kind", "APIResourceList");
    list.put("apiVersion", "v1");
    list.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode resources = list.putArray("resources");
    for (Kind kind : kinds) {
      ObjectNode resource = resources.addObject();
      resource.put("name", kind.plural());
      resource.put("singularName", kind.singular());
      resource.put("namespaced", kind.namespaced());
      resource.put("kind", kind.kind());
      strings(resource.putArray("verbs"), VERBS);
      if (!kind.shortNames().isEmpty()) {
        strings(resource.putArray("shortNames"), kind.shortNames());
      }
      if (!kind.categories().isEmpty()) {
        strings(resource.putArray("categories"), kind.categories());
      }
      for (String subresource : kind.subresources()) {
        ObjectNode sub = resources.addObject();
        sub.put("name", kind.plural() + "/" + subresource);
        sub.put("singularName", "");
        sub.put("namespaced", kind.namespaced());
        sub.put("kind", subresourceKind(kind, subresource));
        strings(sub.putArray("verbs"), subresourceVerbs(subresource));
      }
    }
    return list;
  }

  /**
   * Aggregated discovery ({@code apidiscovery.k8s.io/v2}) of the core group (for {@code /api})
   * or of the named groups (for {@code /apis}).
   */
  ObjectNode aggregated(boolean core) {
    ObjectNode list = MAPPER.createObjectNode();
    list.put("kind", "APIGroupDiscoveryList");
    list.put("apiVersion", "apidiscovery.k8s.io/v2");
    list.putObject("metadata");
    ArrayNode items = list.putArray("items");
    for (Map.Entry<String, Map<String, List<Kind>>> group : groups.entrySet()) {
      if (group.getKey().isEmpty() != core) {
        continue;
      }
      ObjectNode item = items.addObject();
      item.putObject("metadata").put("name", group.getKey());
      ArrayNode versions = item.putArray("versions");
      for (Map.Entry<String, List<Kind>> version : group.getValue().entrySet()) {
        ObjectNode entry = versions.addObject();
        entry.put("version", version.getKey());
        entry.put("freshness", "Current");
        ArrayNode resources = entry.putArray("resources");
        for (Kind kind : version.getValue()) {
          resources.add(aggregatedResource(kind));
        }
      }
    }
    return list;
  }

  private static ObjectNode aggregatedResource(Kind kind) {
    ObjectNode resource = MAPPER.createObjectNode();
    resource.put("resource", kind.plural());
    resource.set("responseKind", responseKind(kind.group(), kind.version(), kind.kind()));
    resource.put("scope", kind.namespaced() ? "Namespaced" : "Cluster");
    resource.put("singularResource", kind.singular());
    strings(resource.putArray("verbs"), VERBS);
    if (!kind.shortNames().isEmpty()) {
      strings(resource.putArray("shortNames"), kind.shortNames());
    }
    if (!kind.categories().isEmpty()) {
      strings(resource.putArray("categories"), kind.categories());
    }
    if (!kind.subresources().isEmpty()) {
      ArrayNode subresources = resource.putArray("subresources");
      for (String name : kind.subresources()) {
        ObjectNode sub = subresources.addObject();
        sub.put("subresource", name);
        String subKind = subresourceKind(kind, name);
        sub.set("responseKind", "Scale".equals(subKind)
            ? responseKind("autoscaling", "v1", subKind)
            : responseKind(kind.group(), kind.version(), subKind));
        strings(sub.putArray("verbs"), subresourceVerbs(name));
      }
    }
    return resource;
  }

  private static ObjectNode responseKind(String group, String version, String kind) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("group", group);
    node.put("version", version);
    node.put("kind", kind);
    return node;
  }

  private static String subresourceKind(Kind kind, String subresource) {
    return switch (subresource) {
      case "scale" -> "Scale";
      case "log" -> "Pod".equals(kind.kind()) ? "PodLogOptions" : kind.kind();
      case "exec" -> "Pod".equals(kind.kind()) ? "PodExecOptions" : kind.kind();
      case "portforward" -> "Pod".equals(kind.kind()) ? "PodPortForwardOptions" : kind.kind();
      default -> kind.kind();
    };
  }

  private static List<String> subresourceVerbs(String subresource) {
    return switch (subresource) {
      case "log" -> List.of("get");
      case "exec", "portforward" -> List.of("create", "get");
      default -> SUBRESOURCE_VERBS;
    };
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}
