package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.model.internal.RouterProtocol;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The local API server's request handling: fabric8's CRUD dispatcher for resources, plus what
 * the CRUD mock does not do the way an API server does: the {@code pods/{name}/portforward}
 * and {@code scale} subresources, {@code generateName} (base plus five random characters),
 * delete preconditions, and the {@code Foreground} and {@code Orphan} propagation policies of
 * DELETE: the object then gets the {@code foregroundDeletion} or {@code orphan} finalizer and a
 * deletionTimestamp, and the {@link OwnerGarbageCollector} finishes the deletion as a real
 * cluster's garbage collector does.
 */
final class LocalApiDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern PORT_FORWARD =
      Pattern.compile("/api/v1/namespaces/([a-z0-9.-]+)/pods/([a-z0-9.-]+)/portforward");
  private static final Pattern EXEC =
      Pattern.compile("/api/v1/namespaces/([a-z0-9.-]+)/pods/([a-z0-9.-]+)/exec");
  private static final Pattern SCALE = Pattern.compile(
      "(/apis/(?:agents\\.x-k8s\\.io|extensions\\.agents\\.x-k8s\\.io)/v1alpha1/namespaces/[a-z0-9.-]+/"
          + "(?:sandboxes|sandboxwarmpools)/[a-z0-9.-]+)/scale");
  private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final int MAX_GENERATED_BASE = 58;
  private static final String JSON = "application/json";
  private static final String STATUS = "status";
  private static final String MERGE_PATCH = "application/merge-patch+json";
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/";
  private static final String VERTX_EVENT_LOOP = "vert.x-eventloop-thread-";
  private static final String SERVER_THREAD = "local-api-server-";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CRD_KIND = "\"kind\":\"CustomResourceDefinition\"";
  private static final Pattern POLICY_PARAM = Pattern.compile("(?:^|&)propagationPolicy=(\\w+)");

  private final PodAddressBook pods;
  private final ApiCredential credential;
  /**
   * The stored objects' keys by namespace and name. The CRUD mock finds the object of every
   * write by scanning all objects, which makes a busy cluster slower with every object it holds.
   */
  private final Map<String, Set<AttributeSet>> byName = new ConcurrentHashMap<>();
  /** False once a write could not be indexed; every lookup then scans, as the mock does. */
  private volatile boolean indexTrusted = true;
  /**
   * Held by every write: makes a delete's precondition check and the delete one step with
   * respect to other writes, and orders a new watch's initial objects before later events.
   */
  private final ReentrantLock deletes = new ReentrantLock();
  private final Set<LocalWatch> watches = new CopyOnWriteArraySet<>();
  /**
   * For each kind (its plural), the resourceVersion at which an object of it last left the store
   * or changed its labels. This server keeps no history of events: a watch resumed from an older
   * resourceVersion could not be told what it missed, and ends with 410 Gone instead, so that
   * its client lists again, as an API server does when its history does not reach back that far.
   * Objects that appeared or changed meanwhile need no history: a watch starts with them all.
   */
  private final Map<String, Long> lastRemovals = new ConcurrentHashMap<>();
  private final Set<StoreListener> storeListeners = new CopyOnWriteArraySet<>();
  private final ApiSurface surface = new ApiSurface(this::servedApis);
  /** What is served: the built-in kinds and those of the stored custom resource definitions. */
  private volatile ServedApis served = ServedApis.of(List.of());
  /** The resourceVersion at which each stored object (by uid) was created, for watches that resume. */
  private final Map<String, Long> createdAt = new ConcurrentHashMap<>();
  /** The highest resourceVersion stored so far: the resourceVersion of a list. */
  private final AtomicLong lastResourceVersion = new AtomicLong();
  private final AtomicReference<NetClient> podClient = new AtomicReference<>();
  private final AtomicReference<HttpClient> runtimeClient = new AtomicReference<>();

  LocalApiDispatcher(PodAddressBook pods, ApiCredential credential) {
    this.pods = pods;
    this.credential = credential;
  }

  /** Told of every change to the stored objects, in order, under the write lock. */
  interface StoreListener {
    /**
     * An object was stored, changed or removed.
     *
     * @param oldKey the key it was stored under before, null if it is new
     * @param newKey the key it is stored under now, null if it was removed
     * @param object the object as stored now, null if it was removed
     */
    void changed(AttributeSet oldKey, AttributeSet newKey, GenericKubernetesResource object);
  }

  /** Adds a listener and tells it of every object stored so far, as if each were new. */
  void addStoreListener(StoreListener listener) {
    deletes.lock();
    try {
      synchronized (map) {
        for (Map.Entry<AttributeSet, String> entry : map.entrySet()) {
          listener.changed(null, entry.getKey(), parse(entry.getValue()));
        }
      }
      storeListeners.add(listener);
    } finally {
      deletes.unlock();
    }
  }

  void removeStoreListener(StoreListener listener) {
    storeListeners.remove(listener);
  }

  /**
   * Ends every open watch from the server's side, as an API server does when it restarts: the
   * watch gets no further event and its client is left to watch again.
   *
   * @return how many watches were ended
   */
  int closeWatches() {
    int closed = 0;
    for (LocalWatch watch : watches) {
      if (watches.remove(watch)) {
        watch.closeFromServer();
        closed++;
      }
    }
    return closed;
  }

  /** How many watches are open and receiving events. */
  int openWatches() {
    return watches.size();
  }

  /** The built-in kinds and those of the custom resource definitions stored now. */
  private ServedApis servedApis() {
    return served;
  }

  /** Makes {@link #served} anew from the stored definitions; called after each write of one. */
  private void definitionsChanged() {
    List<JsonNode> definitions = new ArrayList<>();
    synchronized (map) {
      for (String state : map.values()) {
        if (state.contains(CRD_KIND)) {
          try {
            JsonNode object = MAPPER.readTree(state);
            if (CRD_KIND.equals("\"kind\":\"" + object.path("kind").asText() + "\"")) {
              definitions.add(object);
            }
          } catch (JsonProcessingException e) {
            // the store holds only JSON that parsed when it was written
          }
        }
      }
    }
    served = ServedApis.of(definitions);
  }

  private static GenericKubernetesResource parse(String state) {
    try {
      return MAPPER.readValue(state, GenericKubernetesResource.class);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * A TCP client on the API server's own Vert.x instance, so that a forwarded connection's
   * WebSocket and socket share one event loop and bytes cross no thread on their way.
   */
  private NetClient podClient() {
    return onServerLoop(podClient, vertx -> vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)));
  }

  /**
   * The client in {@code holder}, made on first use on the API server's own Vert.x instance:
   * requests are dispatched on its event loop, whose Vert.x instance is otherwise private.
   */
  private static <T> T onServerLoop(AtomicReference<T> holder, Function<Vertx, T> make) {
    T client = holder.get();
    if (client != null) {
      return client;
    }
    Context context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("streams must be dispatched on the API server's event loop");
    }
    synchronized (holder) {
      if (holder.get() == null) {
        holder.set(make.apply(context.owner()));
      }
      return holder.get();
    }
  }

  void close() {
    NetClient client = podClient.get();
    if (client != null) {
      client.close();
    }
    HttpClient http = runtimeClient.get();
    if (http != null) {
      http.close();
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    // Every request comes through here, WebSocket upgrades (watches, port-forwards) included:
    // the server answers an upgrade with the response this method returns.
    MockResponse answered = refuseOrAnswer(request);
    return answered != null ? answered : surface.finish(request, dispatchStored(request), lastResourceVersion.get());
  }

  /**
   * Null when {@code request} may go on to a stream the HTTP server serves itself (a log that
   * follows, say); else the answer that refuses it, as {@link #dispatch} would.
   */
  MockResponse admit(RecordedRequest request) {
    return refuseOrAnswer(request);
  }

  /** The log of a pod's container, when the pod runs here. */
  Optional<PodLog> logOf(String namespace, String pod) {
    return pods.logOf(namespace, pod);
  }

  /**
   * The answer to a request that the store does not see: one without the cluster's token, or
   * one for what is not stored (version, discovery, what is not served); null for the store.
   */
  private MockResponse refuseOrAnswer(RecordedRequest request) {
    nameServerThread();
    if (!credential.admits(request.getHeaders().headers("Authorization"))) {
      return unauthorized();
    }
    return surface.answer(request);
  }

  /** A request for a served kind, handled by the store. */
  private MockResponse dispatchStored(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    Matcher exec = EXEC.matcher(uri.getPath());
    if (exec.matches()) {
      return exec(request, uri, exec.group(1), exec.group(2));
    }
    if (request.method() == HttpMethod.GET && !ApiHttpServer.watchRequested(request.getPath())) {
      Matcher events = EventViews.COLLECTION.matcher(uri.getPath());
      if (events.matches()) {
        return eventList(uri, events.group(1).equals(EventViews.CORE), events.group(2));
      }
    }
    Matcher scale = SCALE.matcher(uri.getPath());
    if (scale.matches()) {
      return scale(request, scale.group(1));
    }
    Matcher forward = PORT_FORWARD.matcher(uri.getPath());
    if (forward.matches() && (request.method() == HttpMethod.GET || request.method() == HttpMethod.POST)) {
      return portForward(request, uri, forward.group(1), forward.group(2));
    }
    if (request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT) {
      UndeclaredFields undeclared = undeclaredFields(request, null);
      if (undeclared != null && undeclared.strict()) {
        return undeclared.refusal();
      }
      Optional<CustomResourceSchemas.Rules> schema = customSchema(uri.getPath());
      if (schema.isPresent()) {
        JsonNode body;
        try {
          body = MAPPER.readTree(request.getBody().getBytes());
        } catch (IOException e) {
          return status(400, "BadRequest", "the request body is not JSON: " + e.getMessage());
        }
        CustomResourceSchemas.Admission admission = CustomResourceSchemas.admit(body, schema.get());
        if (!admission.valid()) {
          return invalid(body, uri.getPath(), admission.causes());
        }
        request = new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(),
            request.getHeaders(), new Buffer(admission.object().toString().getBytes(StandardCharsets.UTF_8)));
      }
      MockResponse response = request.method() == HttpMethod.POST ? create(request) : write(request);
      return undeclared == null ? response : undeclared.warn(response);
    }
    if (request.method() == HttpMethod.DELETE) {
      return delete(request);
    }
    if (request.method() == HttpMethod.PATCH) {
      return write(request);
    }
    return super.dispatch(request);
  }

  /**
   * A port-forward ({@code GET} or {@code POST} of {@code pods/{name}/portforward}), in the
   * protocol the client asks for: SPDY/3.1 after an HTTP upgrade, or tunnelled in a WebSocket,
   * whose streams name their ports (kubectl); or a WebSocket of channels
   * ({@code v4.channel.k8s.io}), for the one port of the {@code ports} parameter (fabric8).
   */
  private MockResponse portForward(RecordedRequest request, URI uri, String namespace, String pod) {
    boolean spdy = SpdyPortForward.isSpdyUpgrade(request.getHeader("Connection"), request.getHeader("Upgrade"));
    boolean tunnel = SpdyPortForward.TUNNEL_PROTOCOL.equals(
        ApiHttpServer.negotiatedSubprotocol(request.getHeader("Sec-WebSocket-Protocol")));
    if (spdy && !offers(String.join(",", request.getHeaders().headers("X-Stream-Protocol-Version")), SpdyPortForward.PROTOCOL)) {
      return status(403, "Forbidden", "unable to upgrade: unable to negotiate protocol: client supports "
          + request.getHeader("X-Stream-Protocol-Version") + ", server accepts [" + SpdyPortForward.PROTOCOL + "]")
          .setHeader("X-Accepted-Stream-Protocol-Versions", SpdyPortForward.PROTOCOL);
    }
    Optional<Integer> port = spdy || tunnel ? Optional.empty() : singlePort(uri.getRawQuery());
    if (!spdy && !tunnel && port.isEmpty()) {
      return status(400, "BadRequest", "exactly one port (1-65535) must be given in the 'ports' parameter");
    }
    Optional<String> address = pods.addressOf(namespace, pod);
    if (address.isEmpty()) {
      return status(404, "NotFound", "pod \"" + pod + "\" in namespace \"" + namespace + "\" is not running");
    }
    String accessToken = pods.accessTokenOf(address.get()).orElse(null);
    if (spdy || tunnel) {
      return new MockResponse().withWebSocketUpgrade(
          new SpdyPortForward(podClient(), address.get(), namespace + "/" + pod, accessToken));
    }
    return new MockResponse().withWebSocketUpgrade(
        new PortForwardBridge(podClient(), address.get(), port.get(), namespace + "/" + pod + ":" + port.get(),
            accessToken));
  }

  /** Whether {@code X-Stream-Protocol-Version} (comma-separated values, or repeated) offers {@code protocol}. */
  private static boolean offers(String versions, String protocol) {
    if (versions == null) {
      return false;
    }
    for (String version : versions.split(",")) {
      if (protocol.equals(version.trim())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The structural schema of the custom resource a write to {@code path} is for; empty for a
   * built-in kind and for the {@code scale} subresource.
   */
  private Optional<CustomResourceSchemas.Rules> customSchema(String path) {
    Optional<ApiSurface.ResourcePath> target = ApiSurface.ResourcePath.parse(URI.create(path).getPath());
    if (target.isEmpty() || target.get().resource() == null || "scale".equals(target.get().subresource())) {
      return Optional.empty();
    }
    ServedApis apis = served;
    return apis.find(target.get().group(), target.get().version(), target.get().resource())
        .filter(ServedApis.Kind::custom).flatMap(apis::rules);
  }

  /** The {@code 422 Invalid} of an API server, naming each violation. */
  private static MockResponse invalid(JsonNode object, String path, List<String> causes) {
    Optional<ApiSurface.ResourcePath> target = ApiSurface.ResourcePath.parse(URI.create(path).getPath());
    String what = object.path("kind").asText("") + target.map(t -> "." + t.group()).orElse("");
    return status(422, "Invalid", what + " \"" + object.path(METADATA).path("name").asText("")
        + "\" is invalid: " + String.join(", ", causes));
  }

  /** {@code pods/{name}/exec}: a WebSocket whose command the pod's runtime runs. */
  private MockResponse exec(RecordedRequest request, URI uri, String namespace, String name) {
    boolean spdy = SpdyPortForward.isSpdyUpgrade(request.getHeader("Connection"), request.getHeader("Upgrade"));
    if (spdy && !offers(String.join(",", request.getHeaders().headers("X-Stream-Protocol-Version")), SpdyExec.PROTOCOL)) {
      return status(403, "Forbidden", "unable to upgrade: unable to negotiate protocol: client supports "
          + request.getHeader("X-Stream-Protocol-Version") + ", server accepts [" + SpdyExec.PROTOCOL + "]")
          .setHeader("X-Accepted-Stream-Protocol-Versions", SpdyExec.PROTOCOL);
    }
    String query = uri.getRawQuery();
    List<String> command = PodExecSession.commandOf(query);
    if (command.isEmpty()) {
      return status(400, "BadRequest", "you must specify at least 1 command");
    }
    MockResponse stored = handleGet("/api/v1/namespaces/" + namespace + "/pods/" + name);
    if (stored.code() != 200) {
      return status(404, "NotFound", "pods \"" + name + "\" not found");
    }
    JsonNode containers = readBody(stored).path("spec").path("containers");
    String container = ApiSurface.queryParameter(query, "container");
    if (container != null && !container.equals(containers.path(0).path("name").asText())) {
      return status(400, "BadRequest", "container " + container + " is not valid for pod " + name);
    }
    Optional<String> address = pods.addressOf(namespace, name);
    if (address.isEmpty()) {
      return status(400, "BadRequest", "pod " + name + " is not running");
    }
    int port = containers.path(0).path("ports").path(0).path("containerPort").asInt(RouterProtocol.RUNTIME_PORT);
    boolean stdin = "true".equals(ApiSurface.queryParameter(query, "stdin"));
    boolean tty = "true".equals(ApiSurface.queryParameter(query, "tty"));
    OptionalInt processPort = pods.processPortOf(address.get());
    if (!spdy && processPort.isPresent()) {
      return new MockResponse().withWebSocketUpgrade(new PodExecStream(address.get(), processPort.getAsInt(),
          pods.accessTokenOf(address.get()).orElse(null), command, stdin,
          !"false".equals(ApiSurface.queryParameter(query, "stdout")),
          !"false".equals(ApiSurface.queryParameter(query, "stderr")), tty));
    }
    PodExecSession session = new PodExecSession(runtimeClient(), address.get(), port,
        pods.accessTokenOf(address.get()).orElse(null), command, stdin || tty
            ? "the embedded cluster runs exec commands over SPDY without stdin or a terminal: leave out -i "
            + "and -t, or use a kubectl that speaks WebSocket (1.30 or later)" : null);
    if (spdy) {
      return new MockResponse().withWebSocketUpgrade(new SpdyExec(session, stdin,
          !"false".equals(ApiSurface.queryParameter(query, "stdout")),
          !"false".equals(ApiSurface.queryParameter(query, "stderr")), tty));
    }
    return new MockResponse().withWebSocketUpgrade(session);
  }

  /** An HTTP client on the API server's own Vert.x instance, for the runtimes of exec requests. */
  private HttpClient runtimeClient() {
    return onServerLoop(runtimeClient, vertx -> vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)));
  }

  /**
   * The events of a namespace (or of all), in the version asked for, whichever version each was
   * written in, that meet the request's field selector: how {@code kubectl describe} finds the
   * events of an object.
   */
  private MockResponse eventList(URI uri, boolean core, String namespace) {
    String query = uri.getRawQuery();
    EventViews.Selector selector;
    try {
      selector = EventViews.Selector.parse(ApiSurface.queryParameter(query, "fieldSelector"));
    } catch (IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage());
    }
    String rest = query == null ? "" : Arrays.stream(query.split("&"))
        .filter(p -> !p.startsWith("fieldSelector=")).collect(Collectors.joining("&"));
    String scope = (namespace == null ? "" : "/namespaces/" + namespace) + "/events" + (rest.isEmpty() ? "" : "?" + rest);
    ObjectNode list = MAPPER.createObjectNode();
    list.put("apiVersion", "v1");
    list.put("kind", "List");
    ArrayNode items = list.putArray("items");
    // The store finds the events of both versions under the core path; each is listed once.
    Set<String> seen = new HashSet<>();
    for (String group : new String[] {"/api/v1", "/apis/events.k8s.io/v1"}) {
      MockResponse stored = handleGet(group + scope);
      if (stored.code() != 200) {
        continue;
      }
      for (JsonNode event : readBody(stored).path("items")) {
        ObjectNode view = EventViews.asCore(event);
        JsonNode metadata = event.path("metadata");
        if (seen.add(metadata.path("namespace").asText() + "/" + metadata.path("name").asText())
            && selector.matches(view)) {
          items.add(core ? view : EventViews.asEventsV1(event));
        }
      }
    }
    return json(200, list);
  }

  /**
   * Names the event loop thread that serves requests {@code local-api-server-N}, so that a thread
   * dump or a profile tells it from the cluster's other Vert.x threads.
   */
  private static void nameServerThread() {
    Thread thread = Thread.currentThread();
    String name = thread.getName();
    if (name.startsWith(VERTX_EVENT_LOOP)) {
      thread.setName(SERVER_THREAD + name.substring(VERTX_EVENT_LOOP.length()));
    }
  }

  private MockResponse write(RecordedRequest request) {
    deletes.lock();
    try {
      return super.dispatch(request);
    } finally {
      deletes.unlock();
    }
  }

  /**
   * A patch as the mock applies it (JSON patch or RFC 7386 merge patch, the status subresource
   * kept apart, resourceVersion as a precondition, generation and resourceVersion moved on),
   * but on one parse of each side: the mock parses the patched object once more into a typed
   * model only to read its metadata. Runs under {@link #write}'s lock, as every write does.
   */
  @Override
  public MockResponse handlePatch(RecordedRequest request) {
    String path = request.getPath();
    AttributeSet query = getKey(path);
    Map.Entry<AttributeSet, String> stored = findResource(query);
    if (stored == null) {
      return new MockResponse().setResponseCode(404);
    }
    String contentType = request.getHeader("Content-Type");
    String subtype = contentType == null ? "json-patch+json" : mediaSubtype(contentType);
    boolean statusPath = URI.create(path).getPath().endsWith("/" + STATUS);
    try {
      JsonNode current = MAPPER.readTree(stored.getValue());
      JsonNode body = MAPPER.readTree(request.getBody().getBytes());
      JsonNode patched;
      if ("json-patch+json".equals(subtype)) {
        patched = JsonPatch.apply(body, withParents(current.deepCopy(), body));
      } else if ("merge-patch+json".equals(subtype)) {
        patched = mergePatch(current.deepCopy(), body);
      } else if ("strategic-merge-patch+json".equals(subtype)) {
        StrategicMergePatch rules = StrategicMergePatch.rules();
        Optional<String> definition = rules.definitionOf(current.path("apiVersion").asText(),
            current.path("kind").asText());
        if (definition.isEmpty()) {
          return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
              + "media types include: application/json-patch+json, application/merge-patch+json");
        }
        patched = rules.apply(current, body, definition.get());
      } else {
        return status(415, "UnsupportedMediaType", "the patch type " + contentType + " is not supported");
      }
      if (!patched.isObject() || !patched.path(METADATA).isObject()) {
        return status(422, "Invalid", "the patched object has no metadata");
      }
      UndeclaredFields undeclared = undeclaredFields(request, patched);
      if (undeclared != null && undeclared.strict()) {
        return undeclared.refusal();
      }
      MockResponse invalid = checkPatched(query, current, patched);
      if (invalid != null) {
        return invalid;
      }
      ObjectNode updated;
      if (statusPath) {
        updated = (ObjectNode) current.deepCopy();
        setOrRemove(updated, STATUS, patched.get(STATUS));
      } else {
        updated = (ObjectNode) patched;
        if (isStatusSubresourceEnabledForResource(path)) {
          setOrRemove(updated, STATUS, current.get(STATUS));
        }
      }
      Optional<CustomResourceSchemas.Rules> schema = customSchema(path);
      if (schema.isPresent()) {
        CustomResourceSchemas.Admission admission = CustomResourceSchemas.admit(updated, schema.get());
        if (!admission.valid()) {
          return invalid(updated, path, admission.causes());
        }
        updated = admission.object();
      }
      preserveMetadata(current, updated);
      if (!statusPath) {
        touchGeneration(current, updated);
      }
      touchResourceVersion(current, updated);
      GenericKubernetesResource resource = metadataOnly(updated);
      String state = MAPPER.writeValueAsString(updated);
      if (resource.isMarkedForDeletion() && resource.getFinalizers().isEmpty()) {
        processEvent(path, query, stored.getKey(), null, null);
        return new MockResponse().setResponseCode(200).setBody("");
      }
      processEvent(path, query, stored.getKey(), resource, state);
      MockResponse patchedResponse = new MockResponse().setResponseCode(200).setBody(state);
      return undeclared == null ? patchedResponse : undeclared.warn(patchedResponse);
    } catch (JsonPatchException e) {
      return status(422, "Invalid", "the JSON patch cannot be applied: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      return status(400, "BadRequest", "the patch cannot be read: " + e.getMessage());
    }
  }

  /**
   * The fields of a custom resource that its definition's schema does not declare, when the
   * write asks for {@code fieldValidation=Strict} or {@code Warn}; null when it asks for neither,
   * when every field is declared, or for a built-in kind, whose schema this server does not have.
   *
   * @param object the object as it would be stored (a patch's outcome), or null for the request's body
   */
  private UndeclaredFields undeclaredFields(RecordedRequest request, JsonNode object) {
    URI uri = URI.create(request.getPath());
    String validation = ApiSurface.queryParameter(uri.getRawQuery(), "fieldValidation");
    if (!"Strict".equals(validation) && !"Warn".equals(validation)) {
      return null;
    }
    Optional<CustomResourceSchemas.Rules> schema = customSchema(uri.getPath());
    if (schema.isEmpty()) {
      return null;
    }
    JsonNode checked = object;
    if (checked == null) {
      try {
        checked = MAPPER.readTree(request.getBody().getBytes());
      } catch (IOException e) {
        return null; // the store answers what it cannot read
      }
    }
    List<String> paths = UnknownFields.of(checked, schema.get().schema());
    String version = ApiSurface.ResourcePath.parse(uri.getPath()).map(ApiSurface.ResourcePath::version).orElse("");
    return paths.isEmpty() ? null
        : new UndeclaredFields("Strict".equals(validation), checked.path("kind").asText(""), version, paths);
  }

  /**
   * Undeclared fields of a custom resource and what the write's {@code fieldValidation} makes of
   * them: a refusal ({@code Strict}) or warnings ({@code Warn}; the fields are kept, where an API
   * server would drop them).
   */
  private record UndeclaredFields(boolean strict, String kind, String version, List<String> paths) {
    /** The {@code 400} of an API server, which names every undeclared field. */
    MockResponse refusal() {
      StringBuilder message = new StringBuilder(kind).append(" in version \"").append(version)
          .append("\" cannot be handled as a ").append(kind).append(": strict decoding error: ");
      for (int i = 0; i < paths.size(); i++) {
        message.append(i == 0 ? "" : ", ").append("unknown field \"").append(paths.get(i)).append('"');
      }
      return status(400, "BadRequest", message.toString());
    }

    /** A successful write's response with one {@code Warning} header per undeclared field. */
    MockResponse warn(MockResponse response) {
      if (response.code() / 100 == 2) {
        for (String path : paths) {
          response.addHeader("Warning", "299 - \"unknown field \\\"" + path + "\\\"\"");
        }
      }
      return response;
    }
  }

  /** The subtype of a media type, without parameters: {@code merge-patch+json} of {@code application/merge-patch+json; charset=utf-8}. */
  static String mediaSubtype(String contentType) {
    int end = contentType.indexOf(';');
    String type = (end < 0 ? contentType : contentType.substring(0, end)).trim();
    return type.substring(type.indexOf('/') + 1);
  }

  /** The name, namespace and resourceVersion checks of an update, with the API server's answers. */
  private static MockResponse checkPatched(AttributeSet query, JsonNode current, JsonNode patched) {
    String kind = patched.path("kind").asText();
    String name = patched.path(METADATA).path(KubernetesAttributesExtractor.NAME).asText();
    String pathName = String.valueOf(query.getAttribute(KubernetesAttributesExtractor.NAME).getValues().iterator().next());
    if (!name.isEmpty() && !name.equals(pathName)) {
      return status(400, "BadRequest", "the name of the object (" + name + ") does not match the name on the URL ("
          + pathName + ")");
    }
    if (query.getAttribute(KubernetesAttributesExtractor.NAMESPACE) != null) {
      String namespace = patched.path(METADATA).path(KubernetesAttributesExtractor.NAMESPACE).asText();
      String pathNamespace = String.valueOf(
          query.getAttribute(KubernetesAttributesExtractor.NAMESPACE).getValues().iterator().next());
      if (!namespace.isEmpty() && !namespace.equals(pathNamespace)) {
        return status(400, "BadRequest", "the namespace of the object (" + namespace
            + ") does not match the namespace on the URL (" + pathNamespace + ")");
      }
    }
    String expected = patched.path(METADATA).path(RESOURCE_VERSION).asText();
    if (!expected.isEmpty() && !expected.equals(current.path(METADATA).path(RESOURCE_VERSION).asText())) {
      return status(409, "Conflict", "Operation cannot be fulfilled on " + kind + " \"" + name
          + "\": the object has been modified; please apply your changes to the latest version and try again");
    }
    return null;
  }

  /** Creates the objects a JSON patch's paths pass through, as the mock does before applying it. */
  private static JsonNode withParents(JsonNode target, JsonNode patch) {
    for (JsonNode operation : patch) {
      String[] segments = operation.path("path").asText().replaceFirst("^/", "").split("/");
      JsonNode node = target;
      for (int i = 0; i < segments.length - 1; i++) {
        if (node.isObject() && node.get(segments[i]) == null) {
          ((ObjectNode) node).putObject(segments[i]);
        }
        node = node.path(segments[i]);
      }
    }
    return target;
  }

  private static void setOrRemove(ObjectNode object, String field, JsonNode value) {
    if (value == null || value.isMissingNode()) {
      object.remove(field);
    } else {
      object.set(field, value);
    }
  }

  /** The object's kind, apiVersion and metadata: all that keys, watches and the collector read. */
  private static GenericKubernetesResource metadataOnly(JsonNode object) throws JsonProcessingException {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion(object.path("apiVersion").asText(null));
    resource.setKind(object.path("kind").asText(null));
    resource.setMetadata(MAPPER.treeToValue(object.get(METADATA), ObjectMeta.class));
    return resource;
  }

  /** A name from {@code generateName} as an API server makes it: the base plus five random characters. */
  private MockResponse create(RecordedRequest request) {
    byte[] bytes = request.getBody().getBytes();
    if (new String(bytes, StandardCharsets.UTF_8).indexOf("\"generateName\"") < 0) {
      return write(request);
    }
    JsonNode body;
    try {
      body = MAPPER.readTree(bytes);
    } catch (IOException e) {
      return status(400, "BadRequest", "the request body is not JSON: " + e.getMessage());
    }
    JsonNode metadata = body == null ? null : body.get("metadata");
    if (metadata instanceof ObjectNode meta && meta.path("name").asText("").isEmpty()
        && !meta.path("generateName").asText("").isEmpty()) {
      String base = meta.get("generateName").asText();
      base = base.length() > MAX_GENERATED_BASE ? base.substring(0, MAX_GENERATED_BASE) : base;
      StringBuilder name = new StringBuilder(base);
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < 5; i++) {
        name.append(NAME_CHARS.charAt(random.nextInt(NAME_CHARS.length())));
      }
      meta.put("name", name.toString());
      request = new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(),
          request.getHeaders(), new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
    }
    return write(request);
  }

  /** Honours {@code preconditions.resourceVersion} and {@code uid} of a delete, which the CRUD mock ignores. */
  private MockResponse delete(RecordedRequest request) {
    JsonNode preconditions = null;
    byte[] bytes = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    try {
      if (bytes.length > 0) {
        preconditions = MAPPER.readTree(bytes).get("preconditions");
      }
    } catch (IOException e) {
      return status(400, "BadRequest", "the request body is not JSON: " + e.getMessage());
    }
    URI uri = URI.create(request.getPath());
    String finalizer = deletionFinalizer(uri.getRawQuery(), new String(bytes, StandardCharsets.UTF_8));
    deletes.lock();
    try {
      if (preconditions != null && preconditions.isObject()) {
        MockResponse current = handleGet(URI.create(request.getPath()).getPath());
        if (current.code() == 200) {
          JsonNode meta = readBody(current).path("metadata");
          for (String field : new String[] {"resourceVersion", "uid"}) {
            String wanted = preconditions.path(field).asText("");
            if (!wanted.isEmpty() && !wanted.equals(meta.path(field).asText())) {
              return status(409, "Conflict", "Precondition failed: " + field + " in precondition: " + wanted
                  + ", " + field + " in object meta: " + meta.path(field).asText());
            }
          }
        }
      }
      return finalizer == null ? super.dispatch(request) : deleteWithFinalizer(uri.getPath(), finalizer);
    } finally {
      deletes.unlock();
    }
  }

  /**
   * Deletes one named object as the mock does (removed when it has no finalizers, else marked
   * with a deletionTimestamp once), found through the name index instead of a scan of every
   * stored object. Collections and untrusted indexes go to the mock.
   */
  @Override
  public MockResponse handleDelete(String path) {
    AttributeSet query = attributeExtractor.fromPath(path);
    if (!indexTrusted || nameKey(query) == null) {
      return super.handleDelete(path);
    }
    Map.Entry<AttributeSet, String> found = findResource(query);
    if (found == null) {
      return new MockResponse().setResponseCode(404);
    }
    try {
      JsonNode object = MAPPER.readTree(found.getValue());
      JsonNode metadata = object.path(METADATA);
      JsonNode finalizers = metadata.path("finalizers");
      if (!finalizers.isArray() || finalizers.isEmpty()) {
        processEvent(path, query, found.getKey(), null, null);
      } else if (metadata.path("deletionTimestamp").asText("").isEmpty()) {
        ((ObjectNode) metadata).put("deletionTimestamp", ZonedDateTime.now(ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        ((ObjectNode) metadata).put(RESOURCE_VERSION, String.valueOf(requestResourceVersion()));
        processEvent(path, query, found.getKey(), metadataOnly(object), MAPPER.writeValueAsString(object));
      }
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    return new MockResponse().setResponseCode(200).setBody(found.getValue());
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

  /** The {@code scale} subresource (autoscaling/v1 Scale) of Sandbox and SandboxWarmPool. */
  private MockResponse scale(RecordedRequest request, String objectPath) {
    MockResponse current = handleGet(objectPath);
    if (current.code() != 200) {
      return current;
    }
    JsonNode object = readBody(current);
    if (request.method() == HttpMethod.GET) {
      return json(200, toScale(object));
    }
    JsonNode wanted;
    try {
      JsonNode body = MAPPER.readTree(request.getBody().getBytes());
      if (request.method() == HttpMethod.PUT) {
        wanted = body;
      } else if (request.method() == HttpMethod.PATCH
          && String.valueOf(request.getHeader("Content-Type")).startsWith(MERGE_PATCH)) {
        wanted = mergePatch(toScale(object), body);
      } else {
        return status(415, "UnsupportedMediaType", "scale supports GET, PUT and JSON merge patch");
      }
    } catch (IOException e) {
      return status(400, "BadRequest", "the request body is not JSON: " + e.getMessage());
    }
    JsonNode replicas = wanted.path("spec").path("replicas");
    if (!replicas.canConvertToInt() || replicas.asInt() < 0) {
      return status(422, "Invalid", "spec.replicas must be a non-negative integer");
    }
    ObjectNode patch = MAPPER.createObjectNode();
    String resourceVersion = wanted.path("metadata").path("resourceVersion").asText("");
    if (!resourceVersion.isEmpty()) {
      patch.putObject("metadata").put("resourceVersion", resourceVersion);
    }
    patch.putObject("spec").put("replicas", replicas.asInt());
    MockResponse written = write(new RecordedRequest(request.getHttpVersion(), HttpMethod.PATCH, objectPath,
        Headers.builder().add("Content-Type", MERGE_PATCH).build(),
        new Buffer(patch.toString().getBytes(StandardCharsets.UTF_8))));
    if (written.code() >= 300) {
      return written;
    }
    return json(200, toScale(readBody(written)));
  }

  private static JsonNode toScale(JsonNode object) {
    ObjectNode scale = MAPPER.createObjectNode();
    scale.put("apiVersion", "autoscaling/v1");
    scale.put("kind", "Scale");
    ObjectNode meta = scale.putObject("metadata");
    JsonNode source = object.path("metadata");
    for (String field : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (source.hasNonNull(field)) {
        meta.set(field, source.get(field));
      }
    }
    ObjectNode spec = scale.putObject("spec");
    spec.put("replicas", object.path("spec").path("replicas").asInt(0));
    ObjectNode status = scale.putObject("status");
    status.put("replicas", object.path("status").path("replicas").asInt(0));
    if (object.path("status").hasNonNull("selector")) {
      status.put("selector", object.path("status").path("selector").asText());
    }
    return scale;
  }

  private static JsonNode readBody(MockResponse response) {
    try {
      return MAPPER.readTree(response.getBody().getBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(body.toString());
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    String key = nameKey(query);
    if (key == null || !indexTrusted) {
      return super.findResource(query);
    }
    Set<AttributeSet> candidates = byName.get(key);
    if (candidates == null) {
      return null;
    }
    for (AttributeSet candidate : candidates) {
      if (candidate.matches(query)) {
        String value = map.get(candidate);
        if (value != null) {
          return new AbstractMap.SimpleImmutableEntry<>(candidate, value);
        }
      }
    }
    return null;
  }

  @Override
  public MockResponse handleGet(String path) {
    if (!indexTrusted || path.contains("watch=")) {
      return super.handleGet(path);
    }
    AttributeSet query = attributeExtractor.fromPath(path);
    if (nameKey(query) == null) {
      return super.handleGet(path);
    }
    Map.Entry<AttributeSet, String> found = findResource(query);
    return found == null
        ? new MockResponse().setResponseCode(404)
        : new MockResponse().setResponseCode(200).setBody(found.getValue());
  }

  /**
   * A watch served by this dispatcher rather than the mock: the mock parses and re-serializes
   * the object once for every watch an event goes to, on the server's only event loop.
   */
  @Override
  public MockResponse handleWatch(String path) {
    return new MockResponse().withWebSocketUpgrade(new WebSocketWatch(newWatch(path)));
  }

  /**
   * Starts a watch whose events go to {@code stream}, for a request that is not a WebSocket
   * upgrade: a client such as kubectl or the Python client reads the events from a streamed
   * HTTP response.
   *
   * @return null when the watch started, else the answer to send instead (not authorized, not served)
   */
  MockResponse watchOverHttp(RecordedRequest request, WatchStream stream) {
    MockResponse answered = refuseOrAnswer(request);
    if (answered == null) {
      newWatch(request.getPath()).start(asTablesIfAsked(request, stream));
    }
    return answered;
  }

  /**
   * {@code stream}, or, when the client asks for tables ({@code kubectl get -w}), a stream whose
   * events carry each object as a one-row table, the first with the column definitions.
   */
  private WatchStream asTablesIfAsked(RecordedRequest request, WatchStream stream) {
    if (!ObjectTables.acceptsTable(request.getHeader("Accept"))) {
      return stream;
    }
    URI uri = URI.create(request.getPath());
    Optional<ServedApis.Kind> kind = ApiSurface.ResourcePath.parse(uri.getPath())
        .flatMap(target -> served.find(target.group(), target.version(), target.resource()));
    if (kind.isEmpty()) {
      return stream;
    }
    ObjectTables.IncludeObject include =
        ObjectTables.IncludeObject.of(ApiSurface.queryParameter(uri.getRawQuery(), "includeObject"));
    boolean[] headersSent = {false};
    return new WatchStream() {
      @Override
      public void send(String event) {
        try {
          JsonNode parsed = MAPPER.readTree(event);
          String type = parsed.path("type").asText();
          if (type.equals("BOOKMARK") || type.equals("ERROR")) {
            stream.send(event);
            return;
          }
          ObjectNode table = ObjectTables.table(kind.get(), List.of(parsed.path("object")), null, include,
              Instant.now());
          synchronized (headersSent) {
            if (headersSent[0]) {
              table.putArray("columnDefinitions");
            }
            headersSent[0] = true;
          }
          ObjectNode converted = MAPPER.createObjectNode();
          converted.put("type", type);
          converted.set("object", table);
          stream.send(converted.toString());
        } catch (JsonProcessingException e) {
          stream.send(event);
        }
      }

      @Override
      public void end() {
        stream.end();
      }

      @Override
      public void whenClosed(Runnable action) {
        stream.whenClosed(action);
      }
    };
  }

  /** A watch of what {@code path} asks for, not yet started. */
  private LocalWatch newWatch(String path) {
    AttributeSet query = attributeExtractor.fromPath(path);
    String parameters = URI.create(path).getQuery();
    long resumedFrom = resumedFrom(parameters);
    Long removed = lastRemovals.get(String.valueOf(plural(query)));
    if (removed != null && resumedFrom >= 0 && resumedFrom < removed) {
      return new LocalWatch(null, -1, null, "{\"type\":\"ERROR\",\"object\":"
          + ApiSurface.statusBody(410, "Expired", "too old resource version: " + resumedFrom + " (" + removed + ")")
          + "}");
    }
    String name = watchedName(parameters);
    if (name != null) {
      query = query.add(new Attribute(KubernetesAttributesExtractor.NAME, name));
    }
    String bookmark = null;
    if (parameters != null && parameters.matches("(?:.*&)?allowWatchBookmarks=(?:true|True|1)(?:&.*)?")) {
      bookmark = bookmarkOf(path, parameters.matches("(?:.*&)?sendInitialEvents=(?:true|True|1)(?:&.*)?"));
    }
    return new LocalWatch(query, resumedFrom, bookmark, null);
  }

  /**
   * The start of a {@code BOOKMARK} event for the kind at {@code path}, to be completed with a
   * resourceVersion; marked as the end of the initial events when the client asked for them.
   */
  private String bookmarkOf(String path, boolean initialEventsEnd) {
    Optional<ApiSurface.ResourcePath> target = ApiSurface.ResourcePath.parse(URI.create(path).getPath());
    Optional<ServedApis.Kind> kind = target.flatMap(t -> served.find(t.group(), t.version(), t.resource()));
    if (kind.isEmpty()) {
      return null;
    }
    return "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"" + kind.get().kind() + "\",\"apiVersion\":\""
        + kind.get().groupVersion() + "\",\"metadata\":{"
        + (initialEventsEnd ? "\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}," : "")
        + "\"resourceVersion\":\"";
  }

  /** The resourceVersion a watch resumes from, or -1 when it asks for none ("0" or absent: from now). */
  private static long resumedFrom(String query) {
    if (query == null) {
      return -1;
    }
    for (String param : query.split("&")) {
      if (param.startsWith("resourceVersion=")) {
        try {
          long version = Long.parseLong(param.substring("resourceVersion=".length()));
          return version > 0 ? version : -1;
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  private static Object plural(AttributeSet attributes) {
    Attribute plural = attributes.getAttribute(KubernetesAttributesExtractor.PLURAL);
    return plural == null || plural.getValues().isEmpty() ? null : plural.getValues().get(0);
  }

  /** The name a watch's {@code fieldSelector=metadata.name=...} asks for, as the mock reads it. */
  private static String watchedName(String query) {
    if (query == null) {
      return null;
    }
    String name = null;
    for (String param : query.split("&")) {
      if (param.contains("fieldSelector") && param.contains("metadata.name")) {
        String[] parts = param.split("=");
        name = parts[parts.length - 1];
      }
    }
    return name == null || name.isEmpty() ? null : name;
  }

  /**
   * Stores a write and tells the watches about it. The mock's own version parses the object
   * once more into its typed model to find the key; the generic model gives the same key faster.
   * Definitions of custom resources still go through the mock, which learns their kinds there.
   */
  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    // Under the mock's write lock and ours.
    GenericKubernetesResource object = newState == null ? null : resource != null ? resource : parse(newState);
    if (object != null && object.getMetadata() != null) {
      long version = noteResourceVersion(object.getMetadata().getResourceVersion());
      if (oldAttributes == null && object.getMetadata().getUid() != null) {
        createdAt.put(object.getMetadata().getUid(), version);
      }
    }
    AttributeSet stored = newState == null ? null : keyOf(pathAttributes, object, newState);
    String existing;
    if (path.startsWith(CRD_PATH)) {
      existing = oldAttributes == null ? null : map.get(oldAttributes);
      super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
      definitionsChanged();
    } else {
      existing = oldAttributes == null ? null : map.remove(oldAttributes);
      if (stored != null) {
        map.put(stored, newState);
      }
    }
    if (oldAttributes != null) {
      unindex(oldAttributes);
    }
    if (stored != null) {
      index(stored);
    }
    if (newState == null && existing != null) {
      GenericKubernetesResource gone = parse(existing);
      if (gone != null && gone.getMetadata() != null && gone.getMetadata().getUid() != null) {
        createdAt.remove(gone.getMetadata().getUid());
      }
    }
    if (oldAttributes != null && !oldAttributes.equals(stored)) {
      long removedAt = requestResourceVersion();
      lastResourceVersion.accumulateAndGet(removedAt, Math::max);
      lastRemovals.put(String.valueOf(plural(oldAttributes)), removedAt);
    }
    if (!Objects.equals(existing, newState)) {
      publish(oldAttributes, existing, stored, newState);
    }
    for (StoreListener listener : storeListeners) {
      listener.changed(oldAttributes, stored, object);
    }
  }

  /** Notes a stored object's resourceVersion; returns it, or 0 when it is not a number. */
  private long noteResourceVersion(String resourceVersion) {
    if (resourceVersion == null) {
      return 0;
    }
    try {
      long version = Long.parseLong(resourceVersion);
      lastResourceVersion.accumulateAndGet(version, Math::max);
      return version;
    } catch (NumberFormatException e) {
      return 0; // the store writes numbers; a client's own value is replaced before it is stored
    }
  }

  /**
   * Sends one write's event to the watches it concerns: each event is serialized once and the
   * same text goes to every watch, in the order of the writes (the caller holds the write lock).
   */
  private void publish(AttributeSet oldKey, String oldState, AttributeSet newKey, String newState) {
    String modified = null;
    String deleted = null;
    String added = null;
    for (LocalWatch watch : watches) {
      boolean matchesOld = oldKey != null && oldKey.matches(watch.query);
      boolean matchesNew = newKey != null && newKey.matches(watch.query);
      if (matchesOld && matchesNew) {
        modified = modified == null ? watchEvent("MODIFIED", newState) : modified;
        watch.send(modified);
      } else if (matchesOld) {
        deleted = deleted == null ? watchEvent("DELETED", oldState) : deleted;
        watch.send(deleted);
      } else if (matchesNew) {
        added = added == null ? watchEvent("ADDED", newState) : added;
        watch.send(added);
      }
    }
  }

  private static String watchEvent(String type, String object) {
    return "{\"type\":\"" + type + "\",\"object\":" + object + "}";
  }

  /** The key an object is stored under: its kind, names and labels, the plural from the path if needed. */
  private AttributeSet keyOf(AttributeSet pathAttributes, GenericKubernetesResource resource, String state) {
    KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
    AttributeSet extracted = resource != null ? extractor.extract(resource) : extractor.fromResource(state);
    return extracted.containsKey(KubernetesAttributesExtractor.PLURAL)
        ? extracted
        : AttributeSet.merge(pathAttributes, extracted);
  }

  private void index(AttributeSet stored) {
    String key = nameKey(stored);
    if (key == null || !map.containsKey(stored)) {
      indexTrusted = false;
      return;
    }
    byName.compute(key, (k, set) -> {
      Set<AttributeSet> updated = set == null ? new HashSet<>() : new HashSet<>(set);
      updated.add(stored);
      return Set.copyOf(updated);
    });
  }

  /**
   * One watch connection. It joins the watches under the write lock, after the current objects
   * were sent as ADDED, so it sees each later write exactly once and in order; events are written
   * to the socket on the server's event loop, where the writes happen.
   */
  /** Where a watch's events go: a WebSocket, or a streamed HTTP response. */
  interface WatchStream {
    /** Sends one event, a JSON object of {@code type} and {@code object}. */
    void send(String event);

    /** Ends the stream from the server's side; the client is left to watch again. */
    void end();

    /** Runs {@code action} once the stream is closed, by either side (at once if it is). */
    void whenClosed(Runnable action);
  }

  /**
   * One watch: the objects that match its query when it starts, then every change to them, in
   * the order of the writes. A watch resumed from a resourceVersion older than this server's
   * history instead gets one {@code ERROR} event with a {@code 410 Expired} status, and ends.
   */
  private final class LocalWatch {
    private final AttributeSet query;
    private final long resumedFrom;
    private final String bookmark;
    private final String expired;
    private volatile WatchStream stream;

    /**
     * @param query what the watch matches
     * @param resumedFrom the resourceVersion it resumes from, or -1 to start with every matching object
     * @param bookmark the start of the bookmark to send after the initial events, or null for none
     * @param expired the one event of a watch resumed from too far back, or null
     */
    LocalWatch(AttributeSet query, long resumedFrom, String bookmark, String expired) {
      this.query = query;
      this.resumedFrom = resumedFrom;
      this.bookmark = bookmark;
      this.expired = expired;
    }

    void start(WatchStream output) {
      stream = output;
      output.whenClosed(this::stop);
      if (expired != null) {
        output.send(expired);
        output.end();
        return;
      }
      deletes.lock();
      try {
        synchronized (map) {
          for (Map.Entry<AttributeSet, String> entry : map.entrySet()) {
            if (entry.getKey().matches(query)) {
              String type = initialEventType(entry.getValue());
              if (type != null) {
                output.send(watchEvent(type, entry.getValue()));
              }
            }
          }
        }
        if (bookmark != null) {
          output.send(bookmark + lastResourceVersion.get() + "\"}}}");
        }
        watches.add(this);
      } finally {
        deletes.unlock();
      }
    }

    /**
     * How a stored object starts the watch: {@code ADDED} when the watch starts with every object;
     * when it resumes, only what changed since, {@code ADDED} if it was created since, else
     * {@code MODIFIED}; null when it is unchanged since.
     */
    private String initialEventType(String state) {
      if (resumedFrom < 0) {
        return "ADDED";
      }
      try {
        JsonNode metadata = MAPPER.readTree(state).path(METADATA);
        long version = Long.parseLong(metadata.path(RESOURCE_VERSION).asText("0"));
        if (version <= resumedFrom) {
          return null;
        }
        Long created = createdAt.get(metadata.path("uid").asText(""));
        return created != null && created <= resumedFrom ? "MODIFIED" : "ADDED";
      } catch (IOException | NumberFormatException e) {
        return "ADDED";
      }
    }

    void send(String event) {
      stream.send(event);
    }

    void closeFromServer() {
      stream.end();
    }

    /** The client went away: no more events. */
    void stop() {
      watches.remove(this);
    }
  }

  /** A watch whose client upgraded to a WebSocket: each event is one text message. */
  private static final class WebSocketWatch extends WebSocketListener {
    private final LocalWatch watch;

    WebSocketWatch(LocalWatch watch) {
      this.watch = watch;
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      watch.start(new WatchStream() {
        @Override
        public void send(String event) {
          webSocket.send(event);
        }

        @Override
        public void end() {
          webSocket.close(1000, "watch closed by the API server");
        }

        @Override
        public void whenClosed(Runnable action) {
          // onClosed and onFailure stop the watch
        }
      });
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      webSocket.close(code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      watch.stop();
      webSocket.close(code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable error, Response response) {
      watch.stop();
      webSocket.close(1000, String.valueOf(error.getMessage()));
    }
  }

  private void unindex(AttributeSet attributes) {
    String key = nameKey(attributes);
    if (key != null) {
      byName.computeIfPresent(key, (k, set) -> {
        Set<AttributeSet> updated = new HashSet<>(set);
        updated.remove(attributes);
        return updated.isEmpty() ? null : Set.copyOf(updated);
      });
    }
  }

  @Override
  public void reset() {
    super.reset();
    byName.clear();
  }

  /** {@code namespace/name} of a query or stored key, or null when it names no single object. */
  private static String nameKey(AttributeSet attributes) {
    if (attributes == null) {
      return null;
    }
    Attribute name = attributes.getAttribute(KubernetesAttributesExtractor.NAME);
    if (name == null || name.getValues().size() != 1) {
      return null;
    }
    Attribute namespace = attributes.getAttribute(KubernetesAttributesExtractor.NAMESPACE);
    String ns = namespace == null || namespace.getValues().isEmpty() ? "" : namespace.getValues().get(0).toString();
    return ns + "/" + name.getValues().get(0);
  }

  /**
   * A new resourceVersion only for a write that changes something, as the mock does, but by a
   * plain comparison rather than computing a JSON patch between the two versions.
   */
  @Override
  public void touchResourceVersion(JsonNode currentResource, JsonNode updatedResource) {
    if (!currentResource.equals(updatedResource)) {
      ((ObjectNode) updatedResource.get(METADATA)).put(RESOURCE_VERSION, String.valueOf(requestResourceVersion()));
    }
  }

  /** Generation goes up when anything but metadata and status changes, as on an API server. */
  @Override
  public void touchGeneration(JsonNode currentResource, JsonNode updatedResource) {
    if (specChanged(currentResource, updatedResource)) {
      ((ObjectNode) updatedResource.get(METADATA)).put(GENERATION,
          currentResource.path(METADATA).path(GENERATION).asInt(0) + 1);
    }
  }

  private static boolean specChanged(JsonNode current, JsonNode updated) {
    Set<String> fields = new HashSet<>();
    current.fieldNames().forEachRemaining(fields::add);
    updated.fieldNames().forEachRemaining(fields::add);
    for (String field : fields) {
      if (!METADATA.equals(field) && !"status".equals(field)
          && !Objects.equals(current.get(field), updated.get(field))) {
        return true;
      }
    }
    return false;
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

  /** As a real API server answers a request without valid credentials. */
  private static MockResponse unauthorized() {
    return status(401, "Unauthorized", "Unauthorized").setHeader("WWW-Authenticate", "Bearer");
  }

  private static MockResponse status(int code, String reason, String message) {
    String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + io.fabric8.kubernetes.client.utils.Serialization.asJson(message) + ",\"reason\":\"" + reason
        + "\",\"code\":" + code + "}";
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }
}
