package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local API server's request handling: fabric8's CRUD dispatcher for resources, plus the
 * {@code pods/{name}/portforward} subresource, which the CRUD mock does not serve.
 */
final class LocalApiDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern PORT_FORWARD =
      Pattern.compile("/api/v1/namespaces/([a-z0-9.-]+)/pods/([a-z0-9.-]+)/portforward");

  private static final ObjectMapper MAPPER = new ObjectMapper();

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
