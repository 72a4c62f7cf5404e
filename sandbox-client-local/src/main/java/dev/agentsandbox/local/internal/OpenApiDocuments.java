package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenAPI documents of what one {@link ServedApis} serves, as kubectl reads them before it
 * creates or patches an object ({@code kubectl apply}, {@code create}, {@code replace} with the
 * default {@code --validate=strict}).
 *
 * <p>OpenAPI v3 ({@code /openapi/v3} and one document per group version) describes every served
 * kind: its collection and object paths with their operations, each marked with the kind's
 * {@code x-kubernetes-group-version-kind}, the writes with the {@code fieldValidation},
 * {@code dryRun} and {@code fieldManager} parameters, and the schemas of custom resources from
 * their definitions. Finding {@code fieldValidation} on a kind's PATCH operation, kubectl leaves
 * validation to the server instead of validating on its side. The PATCH operations name JSON
 * patches, merge patches and apply patches only: were strategic merge patches listed, kubectl
 * would compute them from these documents' schemas, which carry no merge keys or patch
 * strategies; as it is, kubectl computes them from its own types for a built-in kind, and sends
 * a merge patch for a custom resource.
 *
 * <p>OpenAPI v2 ({@code /openapi/v2}), which kubectl reads when v3 fails and older kubectl
 * versions read alone, names no paths and no definitions: kubectl then validates no kind on
 * its side and computes no strategic merge patch from a definition, which for a custom resource
 * would take the place of the merge patch this server applies to them.
 *
 * <p>Documents are made when first asked for and kept: a {@link ServedApis} does not change.
 */
final class OpenApiDocuments {
  /** The media type in which kubectl asks for the OpenAPI v2 document, gnostic's protobuf encoding. */
  static final String V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
  /**
   * The media type of the OpenAPI v2 document in protobuf as a kube-apiserver answers it: the
   * same with {@code .} for {@code @}, which is not allowed in a media type and makes clients
   * built on Go's MIME parser (kubectl 1.20) fail.
   */
  static final String V2_PROTOBUF_ANSWERED = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TITLE = "Kubernetes";
  private static final String JSON = "application/json";
  private static final String SCHEMAS = "#/components/schemas/";
  private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
  private static final String OBJECT_META = META + "ObjectMeta";
  private static final String LIST_META = META + "ListMeta";
  private static final String STATUS = META + "Status";
  private static final String PATCH = META + "Patch";
  private static final String SCALE = "io.k8s.api.autoscaling.v1.Scale";
  private static final String GVK = "x-kubernetes-group-version-kind";
  private static final String ACTION = "x-kubernetes-action";
  private static final String STRING = "string";
  private static final String INTEGER = "integer";
  private static final String BOOLEAN = "boolean";
  private static final String OBJECT = "object";
  private static final List<String> PATCH_TYPES =
      List.of("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml");

  /** Query parameters: type and description. */
  private static final Map<String, String[]> QUERY = new LinkedHashMap<>();

  static {
    query("pretty", STRING, "If 'true', the output is indented.");
    query("dryRun", STRING, "When present ('All'), the request is checked but not persisted.");
    query("fieldManager", STRING, "The name of the actor making the change, for field ownership.");
    query("fieldValidation", STRING, "What the server does with unknown or duplicate fields of the object: "
        + "'Ignore' drops them, 'Warn' drops them and warns, 'Strict' rejects the request.");
    query("force", BOOLEAN, "Whether an apply patch takes fields owned by other managers.");
    query("labelSelector", STRING, "Selects objects by their labels.");
    query("fieldSelector", STRING, "Selects objects by their fields.");
    query("limit", INTEGER, "The most objects to return in one response.");
    query("continue", STRING, "The token of the previous response, to return the next objects.");
    query("resourceVersion", STRING, "The resourceVersion the response must be at least as new as.");
    query("resourceVersionMatch", STRING, "How resourceVersion is applied to a list.");
    query("watch", BOOLEAN, "Streams additions, changes and deletions instead of returning a list.");
    query("allowWatchBookmarks", BOOLEAN, "Lets a watch send BOOKMARK events.");
    query("sendInitialEvents", BOOLEAN, "Starts a watch with the current objects, followed by a bookmark.");
    query("timeoutSeconds", INTEGER, "Ends a list or watch after this many seconds.");
    query("gracePeriodSeconds", INTEGER, "Seconds before the object is deleted.");
    query("propagationPolicy", STRING, "Whether and how dependents are deleted: 'Orphan', 'Background' or "
        + "'Foreground'.");
  }

  private static final List<String> LIST_PARAMETERS = List.of("allowWatchBookmarks", "continue", "fieldSelector",
      "labelSelector", "limit", "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds",
      "watch");
  private static final List<String> WRITE_PARAMETERS = List.of("dryRun", "fieldManager", "fieldValidation");
  private static final List<String> PATCH_PARAMETERS = List.of("dryRun", "fieldManager", "fieldValidation", "force");
  private static final List<String> DELETE_PARAMETERS = List.of("dryRun", "gracePeriodSeconds", "propagationPolicy");

  private final ServedApis apis;
  /** The group version documents made so far, by {@link #pathKey}. */
  private final Map<String, Document> groupVersions = new ConcurrentHashMap<>();
  private volatile String root;

  /** One group version's document, serialized, with the hash of its text. */
  private record Document(String json, String hash) {
  }

  OpenApiDocuments(ServedApis apis) {
    this.apis = apis;
  }

  private static void query(String name, String type, String description) {
    QUERY.put(name, new String[] {type, description});
  }

  /**
   * The key of a group version in the v3 root, and its path below {@code /openapi/v3/}:
   * {@code api/v1} or {@code apis/{group}/{version}}.
   */
  static String pathKey(String group, String version) {
    return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
  }

  /** {@code /openapi/v2} as JSON: a Swagger 2.0 document without paths or definitions. */
  ObjectNode v2() {
    ObjectNode document = MAPPER.createObjectNode();
    document.put("swagger", "2.0");
    document.set("info", info());
    document.putObject("paths");
    return document;
  }

  /**
   * {@code /openapi/v2} in protobuf: gnostic's {@code openapi.v2.Document} with its
   * {@code swagger} (1), {@code info} (2: {@code title} 1, {@code version} 2) and empty
   * {@code paths} (8).
   */
  byte[] v2Protobuf() {
    byte[] info = encode(out -> {
      out.writeString(1, TITLE);
      out.writeString(2, ApiSurface.GIT_VERSION);
    });
    return encode(out -> {
      out.writeString(1, "2.0");
      out.writeByteArray(2, info);
      out.writeByteArray(8, new byte[0]);
    });
  }

  private interface Encoder {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] encode(Encoder encoder) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      encoder.write(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown by an in-memory stream
    }
    return bytes.toByteArray();
  }

  /**
   * {@code /openapi/v3}: every served group version with the address of its document, whose
   * {@code hash} parameter changes with the document.
   */
  String v3Root() {
    String made = root;
    if (made != null) {
      return made;
    }
    ObjectNode document = MAPPER.createObjectNode();
    ObjectNode paths = document.putObject("paths");
    for (ServedApis.Kind kind : apis.kinds()) {
      String key = pathKey(kind.group(), kind.version());
      if (!paths.has(key)) {
        Document groupVersion = groupVersion(kind.group(), kind.version()).orElseThrow();
        paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + groupVersion.hash());
      }
    }
    made = document.toString();
    root = made;
    return made;
  }

  /** The OpenAPI v3 document of {@code group/version} (the core group's is empty), if served. */
  Optional<String> v3(String group, String version) {
    return groupVersion(group, version).map(Document::json);
  }

  private Optional<Document> groupVersion(String group, String version) {
    List<ServedApis.Kind> kinds = apis.kinds(group, version);
    if (kinds == null) {
      return Optional.empty();
    }
    return Optional.of(groupVersions.computeIfAbsent(pathKey(group, version), key -> {
      String json = build(group, version, kinds).toString();
      return new Document(json, hash(json));
    }));
  }

  private static String hash(String json) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().withUpperCase().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  private ObjectNode build(String group, String version, List<ServedApis.Kind> kinds) {
    ObjectNode document = MAPPER.createObjectNode();
    document.put("openapi", "3.0.0");
    document.set("info", info());
    ObjectNode paths = document.putObject("paths");
    ObjectNode schemas = document.putObject("components").putObject("schemas");
    metaSchemas(schemas);
    String prefix = "/" + pathKey(group, version);
    for (ServedApis.Kind kind : kinds) {
      String name = schemaName(kind);
      schemas.set(name, objectSchema(kind));
      schemas.set(name + "List", listSchema(kind, name));
      if (kind.subresources().contains("scale") && !schemas.has(SCALE)) {
        schemas.set(SCALE, scaleSchema());
      }
      addPaths(paths, prefix, kind, name);
    }
    return document;
  }

  private static ObjectNode info() {
    ObjectNode info = MAPPER.createObjectNode();
    info.put("title", TITLE);
    info.put("version", ApiSurface.GIT_VERSION);
    return info;
  }

  /** The paths of one kind: its collection, its objects, their subresources, and every namespace's objects. */
  private static void addPaths(ObjectNode paths, String prefix, ServedApis.Kind kind, String schema) {
    ObjectNode gvk = gvk(kind.group(), kind.version(), kind.kind());
    String subject = operationGroup(kind.group(), kind.version()) + (kind.namespaced() ? "Namespaced" : "")
        + kind.kind();
    String collection = prefix + (kind.namespaced() ? "/namespaces/{namespace}/" : "/") + kind.plural();
    String plural = kind.plural();

    ObjectNode items = pathItem(paths, collection, kind.namespaced(), false);
    items.set("get", operation("list", "list" + subject, "Lists or watches " + plural + ".", gvk,
        LIST_PARAMETERS, null, schema + "List"));
    items.set("post", operation("post", "create" + subject, "Creates one of the " + plural + ".", gvk,
        WRITE_PARAMETERS, List.of(JSON), schema));
    items.set("delete", operation("deletecollection", "deleteCollection" + subject,
        "Deletes the selected " + plural + ".", gvk, concat(LIST_PARAMETERS, DELETE_PARAMETERS), null, STATUS));

    String object = collection + "/{name}";
    ObjectNode item = pathItem(paths, object, kind.namespaced(), true);
    item.set("get", operation("get", "read" + subject, "Reads one of the " + plural + ".", gvk, List.of(), null,
        schema));
    item.set("put", operation("put", "replace" + subject, "Replaces one of the " + plural + ".", gvk,
        WRITE_PARAMETERS, List.of(JSON), schema));
    item.set("patch", operation("patch", "patch" + subject, "Patches one of the " + plural + ".", gvk,
        PATCH_PARAMETERS, PATCH_TYPES, schema));
    item.set("delete", operation("delete", "delete" + subject, "Deletes one of the " + plural + ".", gvk,
        DELETE_PARAMETERS, null, STATUS));

    for (String subresource : kind.subresources()) {
      boolean scale = "scale".equals(subresource);
      if (!scale && !"status".equals(subresource)) {
        continue; // log, exec and portforward: no objects to validate or patch
      }
      ObjectNode subGvk = scale ? gvk("autoscaling", "v1", "Scale") : gvk;
      String subSchema = scale ? SCALE : schema;
      String suffix = scale ? "Scale" : "Status";
      String what = " the " + subresource + " of one of the " + plural + ".";
      ObjectNode sub = pathItem(paths, object + "/" + subresource, kind.namespaced(), true);
      sub.set("get", operation("get", "read" + subject + suffix, "Reads" + what, subGvk, List.of(), null,
          subSchema));
      sub.set("put", operation("put", "replace" + subject + suffix, "Replaces" + what, subGvk, WRITE_PARAMETERS,
          List.of(JSON), subSchema));
      sub.set("patch", operation("patch", "patch" + subject + suffix, "Patches" + what, subGvk, PATCH_PARAMETERS,
          PATCH_TYPES, subSchema));
    }

    if (kind.namespaced()) {
      ObjectNode all = pathItem(paths, prefix + "/" + kind.plural(), false, false);
      all.set("get", operation("list", "list" + operationGroup(kind.group(), kind.version()) + kind.kind()
          + "ForAllNamespaces", "Lists or watches the " + plural + " of every namespace.", gvk, LIST_PARAMETERS,
          null, schema + "List"));
    }
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> both = new ArrayList<>(first);
    both.addAll(second);
    return both;
  }

  /** A path with the parameters all its operations share: namespace and name, and {@code pretty}. */
  private static ObjectNode pathItem(ObjectNode paths, String path, boolean namespaced, boolean named) {
    ObjectNode item = paths.putObject(path);
    ArrayNode parameters = item.putArray("parameters");
    if (named) {
      parameters.add(pathParameter("name", "The name of the object."));
    }
    if (namespaced) {
      parameters.add(pathParameter("namespace", "The namespace of the objects."));
    }
    parameters.add(queryParameter("pretty"));
    return item;
  }

  private static ObjectNode pathParameter(String name, String description) {
    ObjectNode parameter = MAPPER.createObjectNode();
    parameter.put("name", name);
    parameter.put("in", "path");
    parameter.put("description", description);
    parameter.put("required", true);
    parameter.putObject("schema").put("type", STRING);
    parameter.put("uniqueItems", true);
    return parameter;
  }

  private static ObjectNode queryParameter(String name) {
    String[] definition = QUERY.get(name);
    ObjectNode parameter = MAPPER.createObjectNode();
    parameter.put("name", name);
    parameter.put("in", "query");
    parameter.put("description", definition[1]);
    parameter.putObject("schema").put("type", definition[0]);
    parameter.put("uniqueItems", true);
    return parameter;
  }

  /**
   * One operation, its parameters inline (kubectl looks for {@code fieldValidation} among a
   * PATCH operation's own parameters).
   */
  private static ObjectNode operation(String action, String id, String description, ObjectNode gvk,
      List<String> parameters, List<String> requestTypes, String responseSchema) {
    ObjectNode operation = MAPPER.createObjectNode();
    operation.put("description", description);
    operation.put("operationId", id);
    ArrayNode list = operation.putArray("parameters");
    parameters.forEach(name -> list.add(queryParameter(name)));
    if (requestTypes != null) {
      ObjectNode body = operation.putObject("requestBody");
      body.put("required", true);
      ObjectNode content = body.putObject("content");
      String bodySchema = "patch".equals(action) ? PATCH : responseSchema;
      requestTypes.forEach(type -> content.putObject(type).putObject("schema").put("$ref", SCHEMAS + bodySchema));
    }
    ObjectNode responses = operation.putObject("responses");
    response(responses, "200", "OK", responseSchema);
    if ("post".equals(action) || "put".equals(action)) {
      response(responses, "201", "Created", responseSchema);
    }
    responses.putObject("401").put("description", "Unauthorized");
    operation.put(ACTION, action);
    operation.set(GVK, gvk);
    return operation;
  }

  private static void response(ObjectNode responses, String code, String description, String schema) {
    ObjectNode response = responses.putObject(code);
    response.put("description", description);
    response.putObject("content").putObject(JSON).putObject("schema").put("$ref", SCHEMAS + schema);
  }

  private static ObjectNode gvk(String group, String version, String kind) {
    ObjectNode gvk = MAPPER.createObjectNode();
    gvk.put("group", group);
    gvk.put("version", version);
    gvk.put("kind", kind);
    return gvk;
  }

  /** {@code CoreV1} or {@code ExtensionsAgentsXK8sIoV1alpha1}: how operation names spell a group version. */
  static String operationGroup(String group, String version) {
    StringBuilder name = new StringBuilder();
    for (String word : (group.isEmpty() ? "core" : group).split("[.-]")) {
      name.append(capitalized(word));
    }
    return name.append(capitalized(version)).toString();
  }

  private static String capitalized(String word) {
    return word.isEmpty() ? word : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
  }

  /**
   * A kind's schema name as Kubernetes names it: {@code io.k8s.api.core.v1.ConfigMap} for a
   * built-in kind, the reversed group for a custom resource
   * ({@code io.x-k8s.agents.extensions.v1alpha1.SandboxTemplate}).
   */
  static String schemaName(ServedApis.Kind kind) {
    if (!kind.custom()) {
      if ("apiextensions.k8s.io".equals(kind.group())) {
        return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + kind.version() + "." + kind.kind();
      }
      String area = kind.group().isEmpty() ? "core" : kind.group().split("\\.")[0];
      return "io.k8s.api." + area + "." + kind.version() + "." + kind.kind();
    }
    String[] labels = kind.group().split("\\.");
    StringBuilder name = new StringBuilder();
    for (int i = labels.length - 1; i >= 0; i--) {
      name.append(labels[i]).append('.');
    }
    return name.append(kind.version()).append('.').append(kind.kind()).toString();
  }

  /**
   * A kind's schema: a custom resource's {@code openAPIV3Schema} with {@code apiVersion},
   * {@code kind} and {@code metadata} as the API server adds them; for a built-in kind, or a
   * custom resource without a schema, an object that keeps any field.
   */
  private ObjectNode objectSchema(ServedApis.Kind kind) {
    Optional<JsonNode> defined = kind.custom() ? apis.schema(kind) : Optional.empty();
    ObjectNode schema;
    if (defined.isPresent() && defined.get().isObject()) {
      schema = ((ObjectNode) defined.get()).deepCopy();
    } else {
      schema = MAPPER.createObjectNode();
      schema.put("description", kind.kind() + ", with the fields of Kubernetes " + kind.groupVersion() + ".");
      schema.put("x-kubernetes-preserve-unknown-fields", true);
    }
    schema.put("type", OBJECT);
    ObjectNode properties = schema.withObjectProperty("properties");
    properties.set("apiVersion", typed(STRING, "The version of the schema of the object."));
    properties.set("kind", typed(STRING, "The kind of the object."));
    properties.set("metadata", reference(OBJECT_META, "The object's metadata."));
    schema.putArray(GVK).add(gvk(kind.group(), kind.version(), kind.kind()));
    return schema;
  }

  private static ObjectNode listSchema(ServedApis.Kind kind, String itemSchema) {
    ObjectNode schema = MAPPER.createObjectNode();
    schema.put("description", "A list of " + kind.plural() + ".");
    schema.put("type", OBJECT);
    schema.putArray("required").add("items");
    ObjectNode properties = schema.putObject("properties");
    properties.set("apiVersion", typed(STRING, "The version of the schema of the list."));
    properties.set("kind", typed(STRING, "The kind of the list."));
    ObjectNode items = typed("array", "The " + kind.plural() + ".");
    items.putObject("items").put("$ref", SCHEMAS + itemSchema);
    properties.set("items", items);
    properties.set("metadata", reference(LIST_META, "The list's metadata."));
    schema.putArray(GVK).add(gvk(kind.group(), kind.version(), kind.kind() + "List"));
    return schema;
  }

  private static ObjectNode scaleSchema() {
    ObjectNode schema = typed(OBJECT, "The desired and the current number of replicas of a scalable object.");
    ObjectNode properties = schema.putObject("properties");
    properties.set("apiVersion", typed(STRING, "The version of the schema of the object."));
    properties.set("kind", typed(STRING, "The kind of the object."));
    properties.set("metadata", reference(OBJECT_META, "The object's metadata."));
    properties.set("spec", typed(OBJECT, "The desired number of replicas."));
    ((ObjectNode) properties.get("spec")).putObject("properties").set("replicas", typed(INTEGER, "Replicas."));
    ObjectNode status = typed(OBJECT, "The current number of replicas and their label selector.");
    ObjectNode statusProperties = status.putObject("properties");
    statusProperties.set("replicas", typed(INTEGER, "Replicas."));
    statusProperties.set("selector", typed(STRING, "The label selector of the replicas."));
    properties.set("status", status);
    schema.putArray(GVK).add(gvk("autoscaling", "v1", "Scale"));
    return schema;
  }

  /** The metadata schemas every document refers to. */
  private static void metaSchemas(ObjectNode schemas) {
    ObjectNode objectMeta = typed(OBJECT, "The metadata of a stored object.");
    ObjectNode meta = objectMeta.putObject("properties");
    for (String name : List.of("name", "generateName", "namespace", "uid", "resourceVersion")) {
      meta.set(name, typed(STRING, "The object's " + name + "."));
    }
    meta.set("generation", typed(INTEGER, "The generation of the object's desired state."));
    for (String name : List.of("creationTimestamp", "deletionTimestamp")) {
      ObjectNode time = typed(STRING, "The object's " + name + ".");
      time.put("format", "date-time");
      meta.set(name, time);
    }
    for (String name : List.of("labels", "annotations")) {
      ObjectNode map = typed(OBJECT, "The object's " + name + ".");
      map.putObject("additionalProperties").put("type", STRING);
      meta.set(name, map);
    }
    ObjectNode finalizers = typed("array", "What must happen before the object is deleted.");
    finalizers.putObject("items").put("type", STRING);
    meta.set("finalizers", finalizers);
    ObjectNode owners = typed("array", "The objects this object depends on.");
    ObjectNode owner = owners.putObject("items");
    owner.put("type", OBJECT);
    ObjectNode ownerFields = owner.putObject("properties");
    for (String name : List.of("apiVersion", "kind", "name", "uid")) {
      ownerFields.set(name, typed(STRING, "The owner's " + name + "."));
    }
    ownerFields.set("controller", typed(BOOLEAN, "Whether the owner is the object's controller."));
    ownerFields.set("blockOwnerDeletion", typed(BOOLEAN, "Whether the owner's foreground deletion waits."));
    meta.set("ownerReferences", owners);
    schemas.set(OBJECT_META, objectMeta);

    ObjectNode listMeta = typed(OBJECT, "The metadata of a list.");
    ObjectNode list = listMeta.putObject("properties");
    list.set("resourceVersion", typed(STRING, "The resourceVersion of the list."));
    list.set("continue", typed(STRING, "The token for the next objects, if there are more."));
    list.set("remainingItemCount", typed(INTEGER, "How many objects are left after this list."));
    schemas.set(LIST_META, listMeta);

    ObjectNode status = typed(OBJECT, "The outcome of a request that returns no object.");
    ObjectNode statusFields = status.putObject("properties");
    for (String name : List.of("apiVersion", "kind", "status", "message", "reason")) {
      statusFields.set(name, typed(STRING, "The status's " + name + "."));
    }
    statusFields.set("code", typed(INTEGER, "The HTTP status code."));
    statusFields.set("details", typed(OBJECT, "What the request concerned."));
    status.putArray(GVK).add(gvk("", "v1", "Status"));
    schemas.set(STATUS, status);

    schemas.set(PATCH, typed(OBJECT, "A patch, in the format its content type names."));
  }

  private static ObjectNode typed(String type, String description) {
    ObjectNode schema = MAPPER.createObjectNode();
    schema.put("description", description);
    schema.put("type", type);
    return schema;
  }

  private static ObjectNode reference(String schema, String description) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("description", description);
    node.putArray("allOf").addObject().put("$ref", SCHEMAS + schema);
    return node;
  }
}
