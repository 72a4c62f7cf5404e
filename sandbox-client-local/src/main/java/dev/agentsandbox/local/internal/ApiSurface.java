package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The parts of a kube-apiserver's HTTP surface that fabric8's CRUD mock lacks and every
 * Kubernetes client relies on: {@code /version}, discovery, the OpenAPI documents
 * ({@link OpenApiDocuments}: {@code /openapi/v2}, {@code /openapi/v3}), health endpoints, {@code 404} with
 * a {@code Status} body for whatever is not served (an unknown group, version or resource is
 * not stored as if it were one), JSON content types, and collections as typed lists
 * ({@code PodList}, with the list's resourceVersion) rather than the mock's untyped {@code List}.
 */
final class ApiSurface {
  /** The Kubernetes version the embedded API server behaves as. */
  static final String MAJOR = "1";
  static final String MINOR = "32";
  /** The version {@code /version} and the OpenAPI documents give. */
  static final String GIT_VERSION = "v" + MAJOR + "." + MINOR + ".0+agentsandbox";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String JSON = "application/json";
  private static final String CONTENT_TYPE = "Content-Type";
  private static final String OPENAPI_V3 = "/openapi/v3/";

  private final Supplier<ServedApis> apis;

  /**
   * @param apis what is served at the time of a request
   */
  ApiSurface(Supplier<ServedApis> apis) {
    this.apis = apis;
  }

  /**
   * A request's path split as an API server reads it.
   *
   * @param group API group, empty for the core group
   * @param version API version
   * @param namespace namespace, or null for a cluster-wide request or a cluster-scoped kind
   * @param resource resource (plural) name, or null for the group version's discovery document
   * @param name object name, or null for a collection
   * @param subresource subresource, or null
   */
  record ResourcePath(String group, String version, String namespace, String resource, String name,
      String subresource) {

    /**
     * Parses {@code /api/v1/...} and {@code /apis/{group}/{version}/...}; empty for other paths
     * and for {@code /apis/{group}}.
     */
    static Optional<ResourcePath> parse(String path) {
      List<String> segments = segments(path);
      int rest;
      String group;
      if (segments.size() >= 2 && segments.get(0).equals("api")) {
        group = "";
        rest = 2;
      } else if (segments.size() >= 3 && segments.get(0).equals("apis")) {
        group = segments.get(1);
        rest = 3;
      } else {
        return Optional.empty();
      }
      String version = segments.get(rest - 1);
      List<String> tail = segments.subList(rest, segments.size());
      if (tail.isEmpty()) {
        return Optional.of(new ResourcePath(group, version, null, null, null, null));
      }
      String namespace = null;
      if (tail.get(0).equals("namespaces") && tail.size() >= 3) {
        namespace = tail.get(1);
        tail = tail.subList(2, tail.size());
      }
      return Optional.of(new ResourcePath(group, version, namespace, tail.get(0), tail.size() > 1 ? tail.get(1) : null,
          tail.size() > 2 ? String.join("/", tail.subList(2, tail.size())) : null));
    }
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    return segments;
  }

  /**
   * The answer to a request that is not for stored objects (version, health, discovery), or to
   * a request for what is not served; null when the request is for a served kind, to be handled
   * by the store.
   */
  MockResponse answer(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    String path = uri.getPath();
    String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    boolean read = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
    switch (trimmed) {
      case "/version":
        return read ? json(200, version()) : methodNotAllowed(request);
      case "/healthz":
      case "/livez":
      case "/readyz":
        return read ? text(200, "ok") : methodNotAllowed(request);
      case "/api":
        return read ? discovery(request, true) : methodNotAllowed(request);
      case "/apis":
        return read ? discovery(request, false) : methodNotAllowed(request);
      case "/openapi/v2":
      case "/swagger-2.0.0.pb-v1":
        return read ? openApiV2(request, trimmed.startsWith("/swagger")) : methodNotAllowed(request);
      case "/openapi/v3":
        return read ? jsonText(apis.get().openApi().v3Root()) : methodNotAllowed(request);
      default:
        break;
    }
    if (trimmed.startsWith(OPENAPI_V3)) {
      return openApiV3(request, segments(trimmed.substring(OPENAPI_V3.length())));
    }
    List<String> segments = segments(trimmed);
    if (segments.size() == 2 && segments.get(0).equals("apis")) {
      ObjectNode group = apis.get().groupDocument(segments.get(1));
      return group == null ? notFound() : read ? json(200, group) : methodNotAllowed(request);
    }
    Optional<ResourcePath> parsed = ResourcePath.parse(trimmed);
    if (parsed.isEmpty()) {
      return notFound();
    }
    ResourcePath target = parsed.get();
    ServedApis served = apis.get();
    if (target.resource() == null) {
      ObjectNode list = served.resourceList(target.group(), target.version());
      return list == null ? notFound() : read ? json(200, list) : methodNotAllowed(request);
    }
    Optional<ServedApis.Kind> kind = served.find(target.group(), target.version(), target.resource());
    if (kind.isEmpty()) {
      return notFound();
    }
    if (target.subresource() != null && !kind.get().subresources().contains(target.subresource())) {
      return notFound();
    }
    return null;
  }

  /**
   * What the store answered, as an API server would have: a JSON content type on every JSON
   * body, a {@code Status} on an error that has no body, and a typed list for a collection.
   */
  MockResponse finish(RecordedRequest request, MockResponse response, long listResourceVersion) {
    if (response.getWebSocketListener() != null) {
      return response;
    }
    Optional<ResourcePath> target = ResourcePath.parse(URI.create(request.getPath()).getPath());
    byte[] body = response.getBody() == null ? new byte[0] : response.getBody().getBytes();
    if (response.code() >= 400 && body.length == 0) {
      return failure(response.code(), target.orElse(null), request);
    }
    if (response.code() != 200 || !"GET".equals(request.getMethod()) || target.isEmpty()
        || target.get().resource() == null) {
      return withJsonType(response, body);
    }
    MockResponse answer = target.get().name() == null
        ? typedList(target.get(), body, listResourceVersion).orElse(withJsonType(response, body))
        : withJsonType(response, body);
    if (ObjectTables.acceptsTable(request.getHeader("Accept")) && target.get().subresource() == null) {
      return table(request, target.get(), answer).orElse(answer);
    }
    return answer;
  }

  /** A collection or an object as the table a client asked for instead. */
  private Optional<MockResponse> table(RecordedRequest request, ResourcePath target, MockResponse answer) {
    Optional<ServedApis.Kind> kind = apis.get().find(target.group(), target.version(), target.resource());
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode read = MAPPER.readTree(answer.getBody().getBytes());
      List<JsonNode> objects = new ArrayList<>();
      JsonNode listMetadata = null;
      if (target.name() == null) {
        read.path("items").forEach(objects::add);
        listMetadata = read.path("metadata");
      } else {
        objects.add(read);
      }
      String include = queryParameter(URI.create(request.getPath()).getRawQuery(), "includeObject");
      return Optional.of(json(200, ObjectTables.table(kind.get(), objects, listMetadata,
          ObjectTables.IncludeObject.of(include), Instant.now())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The first value of a query parameter, or null. */
  static String queryParameter(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String parameter : rawQuery.split("&")) {
      int eq = parameter.indexOf('=');
      if (eq > 0 && parameter.substring(0, eq).equals(name)) {
        return URLDecoder.decode(parameter.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static MockResponse withJsonType(MockResponse response, byte[] body) {
    if (body.length > 0 && response.getHeaders().get(CONTENT_TYPE) == null && (body[0] == '{' || body[0] == '[')) {
      response.setHeader(CONTENT_TYPE, JSON);
    }
    return response;
  }

  private Optional<MockResponse> typedList(ResourcePath target, byte[] body, long resourceVersion) {
    Optional<ServedApis.Kind> kind = apis.get().find(target.group(), target.version(), target.resource());
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode read = MAPPER.readTree(body);
      if (!(read instanceof ObjectNode list) || !"List".equals(list.path("kind").asText())) {
        return Optional.empty();
      }
      ObjectNode typed = MAPPER.createObjectNode();
      typed.put("kind", kind.get().kind() + "List");
      typed.put("apiVersion", kind.get().groupVersion());
      typed.putObject("metadata").put("resourceVersion", String.valueOf(resourceVersion));
      typed.set("items", list.has("items") ? list.get("items") : MAPPER.createArrayNode());
      return Optional.of(json(200, typed));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The {@code Status} an API server sends with an error code, worded as it words them. */
  private static MockResponse failure(int code, ResourcePath target, RecordedRequest request) {
    String what = target == null || target.resource() == null ? null
        : target.group().isEmpty() ? target.resource() : target.resource() + "." + target.group();
    String name = target == null ? null : target.name();
    if (code == 409 && "POST".equals(request.getMethod()) && what != null) {
      String created = createdName(request);
      return status(409, "AlreadyExists", what + " \"" + created + "\" already exists",
          new ResourcePath(target.group(), target.version(), target.namespace(), target.resource(), created, null), what);
    }
    switch (code) {
      case 404:
        return what != null && name != null
            ? status(404, "NotFound", what + " \"" + name + "\" not found", target, what)
            : notFound();
      case 409:
        return status(409, "Conflict", what == null ? "conflict"
            : "Operation cannot be fulfilled on " + what + (name == null ? "" : " \"" + name + "\""), target, what);
      case 422:
        return status(422, "Invalid", "the object is invalid", target, what);
      default:
        return status(code, code >= 500 ? "InternalError" : "BadRequest", "the request failed with code " + code,
            target, what);
    }
  }

  private static String createdName(RecordedRequest request) {
    try {
      return MAPPER.readTree(request.getBody().getBytes()).path("metadata").path("name").asText("");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static MockResponse status(int code, String reason, String message, ResourcePath target, String what) {
    ObjectNode status = statusBody(code, reason, message);
    if (target != null && target.resource() != null) {
      ObjectNode details = status.putObject("details");
      if (target.name() != null) {
        details.put("name", target.name());
      }
      if (!target.group().isEmpty()) {
        details.put("group", target.group());
      }
      details.put("kind", target.resource());
    }
    return json(code, status);
  }

  static ObjectNode statusBody(int code, String reason, String message) {
    ObjectNode status = MAPPER.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    status.put("code", code);
    return status;
  }

  /** A kube-apiserver's answer to a path it does not serve. */
  static MockResponse notFound() {
    return json(404, statusBody(404, "NotFound", "the server could not find the requested resource"));
  }

  private static MockResponse methodNotAllowed(RecordedRequest request) {
    return json(405, statusBody(405, "MethodNotAllowed",
        "the server does not allow this method on the requested resource (" + request.getMethod() + ")"));
  }

  private MockResponse discovery(RecordedRequest request, boolean core) {
    ServedApis served = apis.get();
    if (acceptsAggregated(request.getHeader("Accept"))) {
      return new MockResponse().setResponseCode(200).setHeader(CONTENT_TYPE, ServedApis.AGGREGATED_DISCOVERY)
          .setBody(served.aggregated(core).toString());
    }
    if (core) {
      String host = request.getHeader("Host");
      return json(200, served.coreVersions(host == null ? "127.0.0.1" : host));
    }
    return json(200, served.groupList());
  }

  /**
   * The OpenAPI v2 document: in protobuf when the client asks for it (kubectl does), as the
   * legacy {@code /swagger-2.0.0.pb-v1} always is; else in JSON.
   */
  private MockResponse openApiV2(RecordedRequest request, boolean legacy) {
    OpenApiDocuments documents = apis.get().openApi();
    String accept = request.getHeader("Accept");
    if (legacy || accept != null && accept.contains("application/com.github.proto-openapi.spec.v2")) {
      return new MockResponse().setResponseCode(200).setHeader(CONTENT_TYPE, OpenApiDocuments.V2_PROTOBUF_ANSWERED)
          .setBody(documents.v2Protobuf());
    }
    return json(200, documents.v2());
  }

  /** {@code /openapi/v3/api/v1} or {@code /openapi/v3/apis/{group}/{version}}; 404 for any other. */
  private MockResponse openApiV3(RecordedRequest request, List<String> segments) {
    String group;
    String version;
    if (segments.size() == 2 && segments.get(0).equals("api")) {
      group = "";
      version = segments.get(1);
    } else if (segments.size() == 3 && segments.get(0).equals("apis")) {
      group = segments.get(1);
      version = segments.get(2);
    } else {
      return notFound();
    }
    Optional<String> document = apis.get().openApi().v3(group, version);
    if (document.isEmpty()) {
      return notFound();
    }
    return "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod())
        ? jsonText(document.get())
        : methodNotAllowed(request);
  }

  /**
   * Whether the client asks for aggregated discovery, {@code apidiscovery.k8s.io/v2}, in its
   * Accept header: a media range with {@code g=apidiscovery.k8s.io}, {@code v=v2} and
   * {@code as=APIGroupDiscoveryList}.
   */
  static boolean acceptsAggregated(String accept) {
    if (accept == null) {
      return false;
    }
    for (String range : accept.split(",")) {
      String group = null;
      String version = null;
      String as = null;
      for (String parameter : range.split(";")) {
        int eq = parameter.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String value = parameter.substring(eq + 1).trim();
        switch (parameter.substring(0, eq).trim().toLowerCase(Locale.ROOT)) {
          case "g" -> group = value;
          case "v" -> version = value;
          case "as" -> as = value;
          default -> { }
        }
      }
      if ("apidiscovery.k8s.io".equals(group) && "v2".equals(version) && "APIGroupDiscoveryList".equals(as)) {
        return true;
      }
    }
    return false;
  }

  private static ObjectNode version() {
    ObjectNode version = MAPPER.createObjectNode();
    version.put("major", MAJOR);
    version.put("minor", MINOR);
    version.put("gitVersion", GIT_VERSION);
    version.put("gitCommit", "");
    version.put("gitTreeState", "clean");
    version.put("buildDate", "");
    version.put("goVersion", "java" + Runtime.version().feature());
    version.put("compiler", "java");
    version.put("platform", platform());
    return version;
  }

  private static String platform() {
    String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "amd64");
    String goArch = switch (arch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
    return (os.startsWith("mac") ? "darwin" : os.startsWith("windows") ? "windows" : "linux") + "/" + goArch;
  }

  static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader(CONTENT_TYPE, JSON).setBody(body.toString());
  }

  private static MockResponse jsonText(String body) {
    return new MockResponse().setResponseCode(200).setHeader(CONTENT_TYPE, JSON).setBody(body);
  }

  private static MockResponse text(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader(CONTENT_TYPE, "text/plain; charset=utf-8").setBody(body);
  }
}
