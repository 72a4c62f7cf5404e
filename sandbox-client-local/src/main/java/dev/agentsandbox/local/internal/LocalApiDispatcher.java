package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local API server's request handling: fabric8's CRUD dispatcher for resources, plus the
 * {@code pods/{name}/portforward} subresource, which the CRUD mock does not serve, plus the
 * {@code Foreground} and {@code Orphan} propagation policies of DELETE: the object then gets the
 * {@code foregroundDeletion} or {@code orphan} finalizer and a deletionTimestamp, and the
 * {@link OwnerGarbageCollector} finishes the deletion as a real cluster's garbage collector does.
 */
final class LocalApiDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern PORT_FORWARD =
      Pattern.compile("/api/v1/namespaces/([a-z0-9.-]+)/pods/([a-z0-9.-]+)/portforward");

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern POLICY_PARAM = Pattern.compile("(?:^|&)propagationPolicy=(\\w+)");

  private final PodAddressBook pods;
  private volatile NetClient serverLoopClient;

  LocalApiDispatcher(PodAddressBook pods) {
    this.pods = pods;
  }

  /**
   * A TCP client on the API server's own Vert.x instance, so that a forwarded connection's
   * WebSocket and socket share one event loop and bytes cross no thread on their way.
   */
  private NetClient podClient() {
    NetClient client = serverLoopClient;
    if (client != null) {
      return client;
    }
    // The mock server dispatches on its event loop, whose Vert.x instance is otherwise private.
    Context context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("port-forward requests must be dispatched on the API server's event loop");
    }
    synchronized (this) {
      if (serverLoopClient == null) {
        serverLoopClient = context.owner().createNetClient(new NetClientOptions().setTcpNoDelay(true));
      }
      return serverLoopClient;
    }
  }

  void close() {
    NetClient client = serverLoopClient;
    if (client != null) {
      client.close();
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    if (request.method() == HttpMethod.DELETE) {
      String finalizer = deletionFinalizer(uri.getRawQuery(), request.getBody().readUtf8());
      if (finalizer != null) {
        return deleteWithFinalizer(uri.getPath(), finalizer);
      }
    }
    Matcher m = PORT_FORWARD.matcher(uri.getPath());
    if (!m.matches()) {
      return super.dispatch(request);
    }
    String namespace = m.group(1);
    String pod = m.group(2);
    Optional<Integer> port = singlePort(uri.getRawQuery());
    if (port.isEmpty()) {
      return status(400, "BadRequest", "exactly one port (1-65535) must be given in the 'ports' parameter");
    }
    Optional<String> address = pods.addressOf(namespace, pod);
    if (address.isEmpty()) {
      return status(404, "NotFound", "pod \"" + pod + "\" in namespace \"" + namespace + "\" is not running");
    }
    return new MockResponse().withWebSocketUpgrade(
        new PortForwardBridge(podClient(), address.get(), port.get(), namespace + "/" + pod + ":" + port.get()));
  }

  /**
   * JSON merge patch as RFC 7386 and the Kubernetes API define it: {@code null} removes a key,
   * objects merge recursively and anything else, lists included, replaces. (The CRUD mock's own
   * merge appends to lists and keeps keys set to null.)
   */
  @Override
  public JsonNode merge(JsonNode baseResource, String patch) throws KubernetesCrudDispatcherException {
    try {
      return mergePatch(baseResource.deepCopy(), MAPPER.readTree(patch));
    } catch (JsonProcessingException e) {
      throw new KubernetesCrudDispatcherException(e.getMessage(), 422);
    }
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : MAPPER.createObjectNode();
    patch.fields().forEachRemaining(field -> {
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    });
    return result;
  }

  /**
   * The finalizer that a DELETE's propagation policy (in its DeleteOptions body or query) asks
   * for, or null for background deletion.
   */
  static String deletionFinalizer(String query, String body) {
    String policy = null;
    if (body != null && !body.isBlank()) {
      try {
        JsonNode options = MAPPER.readTree(body);
        policy = options.path("propagationPolicy").asText(null);
        if (policy == null && options.path("orphanDependents").asBoolean(false)) {
          policy = OwnerGarbageCollector.ORPHAN_POLICY;
        }
      } catch (JsonProcessingException e) {
        policy = null;
      }
    }
    if (policy == null && query != null) {
      Matcher m = POLICY_PARAM.matcher(query);
      policy = m.find() ? m.group(1) : null;
    }
    if (OwnerGarbageCollector.FOREGROUND_POLICY.equals(policy)) {
      return OwnerGarbageCollector.FOREGROUND_FINALIZER;
    }
    return OwnerGarbageCollector.ORPHAN_POLICY.equals(policy) ? OwnerGarbageCollector.ORPHAN_FINALIZER : null;
  }

  /** Adds the finalizer, then deletes: the CRUD mock only marks an object that has finalizers. */
  private MockResponse deleteWithFinalizer(String path, String finalizer) {
    MockResponse current = handleGet(path);
    if (current.code() != 200) {
      return current;
    }
    try {
      JsonNode object = MAPPER.readTree(current.getBody().getBytes());
      JsonNode metadata = object.path("metadata");
      if (!metadata.has("name")) {
        return handleDelete(path); // a collection: background semantics
      }
      if (!metadata.hasNonNull("deletionTimestamp")) {
        ObjectNode patch = MAPPER.createObjectNode();
        var finalizers = patch.putObject("metadata").putArray("finalizers");
        metadata.path("finalizers").forEach(f -> {
          if (!finalizer.equals(f.asText())) {
            finalizers.add(f);
          }
        });
        finalizers.add(finalizer);
        MockResponse patched = handlePatch(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, path,
            Headers.builder().add("Content-Type", "application/merge-patch+json").build(),
            new Buffer(patch.toString().getBytes(StandardCharsets.UTF_8))));
        if (patched.code() >= 300) {
          return patched;
        }
      }
    } catch (IOException e) {
      return status(500, "InternalError", "cannot read " + path + ": " + e.getMessage());
    }
    return handleDelete(path);
  }

  private static Optional<Integer> singlePort(String query) {
    if (query == null) {
      return Optional.empty();
    }
    Integer found = null;
    for (String param : query.split("&")) {
      if (param.startsWith("ports=")) {
        if (found != null) {
          return Optional.empty();
        }
        try {
          int p = Integer.parseInt(param.substring("ports=".length()));
          if (p < 1 || p > 65535) {
            return Optional.empty();
          }
          found = p;
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.ofNullable(found);
  }

  private static MockResponse status(int code, String reason, String message) {
    String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + io.fabric8.kubernetes.client.utils.Serialization.asJson(message) + ",\"reason\":\"" + reason
        + "\",\"code\":" + code + "}";
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }
}
