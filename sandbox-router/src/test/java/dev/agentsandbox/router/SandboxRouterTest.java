package dev.agentsandbox.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SandboxRouterTest {
  private static final String NS = "default";
  private static final long TEN_MIB = 10L * 1024 * 1024;

  private KubernetesMockServer server;
  private KubernetesClient client;
  private Vertx vertx;
  private HttpClient http;
  private Context clientContext;
  private FakeRuntime runtime;
  private SandboxRouter router;

  @BeforeEach
  void setUp() throws Exception {
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup(Sandbox.GROUP).withVersion(Sandbox.VERSION).withKind("Sandbox").withPlural("sandboxes")
        .withScope("Namespaced").withStatusSubresource(true).build());
    client = server.createClient();
    vertx = Vertx.vertx();
    http = vertx.createHttpClient();
    // All client calls run on this one context, so no response event can slip past a handler.
    clientContext = vertx.getOrCreateContext();
    runtime = FakeRuntime.start(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (router != null) {
      router.close();
    }
    runtime.close();
    http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client.close();
    server.destroy();
  }

  @Test
  void healthzIsAnsweredByTheRouterWithoutSandboxHeaders() throws Exception {
    startRouter();
    Reply reply = send(HttpMethod.GET, "/healthz", MultiMap.caseInsensitiveMultiMap(), null);
    assertEquals(200, reply.status());
    assertEquals("application/json", reply.headers().get("Content-Type"));
    assertEquals(new JsonObject().put("status", "ok"), reply.json());
  }

  static Stream<Arguments> invalidHeaders() {
    return Stream.of(
        Arguments.of("X-Sandbox-ID", ""),
        Arguments.of("X-Sandbox-ID", "Upper"),
        Arguments.of("X-Sandbox-ID", "-leading"),
        Arguments.of("X-Sandbox-ID", "trailing-"),
        Arguments.of("X-Sandbox-ID", "under_score"),
        Arguments.of("X-Sandbox-ID", "dotted.name"),
        Arguments.of("X-Sandbox-ID", "a".repeat(64)),
        Arguments.of("X-Sandbox-ID", "../etc"),
        Arguments.of("X-Sandbox-Namespace", ""),
        Arguments.of("X-Sandbox-Namespace", "Default"),
        Arguments.of("X-Sandbox-Namespace", "ns/other"),
        Arguments.of("X-Sandbox-Port", "0"),
        Arguments.of("X-Sandbox-Port", "65536"),
        Arguments.of("X-Sandbox-Port", "-1"),
        Arguments.of("X-Sandbox-Port", "+80"),
        Arguments.of("X-Sandbox-Port", "80.5"),
        Arguments.of("X-Sandbox-Port", "http"),
        Arguments.of("X-Sandbox-Port", "99999999999"),
        Arguments.of("X-Sandbox-Timeout", "0"),
        Arguments.of("X-Sandbox-Timeout", "0.000"),
        Arguments.of("X-Sandbox-Timeout", "-1"),
        Arguments.of("X-Sandbox-Timeout", "NaN"),
        Arguments.of("X-Sandbox-Timeout", "Infinity"),
        Arguments.of("X-Sandbox-Timeout", "1e3"),
        Arguments.of("X-Sandbox-Timeout", "0x10"),
        Arguments.of("X-Sandbox-Timeout", "1.5d"),
        Arguments.of("X-Sandbox-Timeout", "soon"),
        Arguments.of("X-Sandbox-Pod-IP", "not-an-ip"),
        Arguments.of("X-Sandbox-Pod-IP", "10.0.0.256"),
        Arguments.of("X-Sandbox-Pod-IP", "example.com"),
        Arguments.of("X-Sandbox-Pod-IP", "[::1]"),
        Arguments.of("X-Sandbox-Pod-IP", "fe80::1%eth0"));
  }

  @ParameterizedTest(name = "{0}: \"{1}\"")
  @MethodSource("invalidHeaders")
  void invalidRoutingHeaderIsRejectedWith400NamingTheHeader(String header, String value) throws Exception {
    startRouter();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb").set(header, value);
    Reply reply = send(HttpMethod.GET, "/", headers, null);
    assertEquals(400, reply.status());
    assertEquals("application/json", reply.headers().get("Content-Type"));
    assertTrue(reply.json().getString("detail").contains(header), reply.body().toString());
  }

  @Test
  void missingSandboxIdIsRejectedWith400() throws Exception {
    startRouter();
    Reply reply = send(HttpMethod.GET, "/", MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-Port", "8888"), null);
    assertEquals(400, reply.status());
    assertEquals("X-Sandbox-ID header is required", reply.json().getString("detail"));
  }

  @Test
  void repeatedSandboxIdIsRejectedWith400() throws Exception {
    startRouter();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "a").add("X-Sandbox-ID", "b");
    Reply reply = send(HttpMethod.GET, "/", headers, null);
    assertEquals(400, reply.status());
    assertTrue(reply.json().getString("detail").contains("X-Sandbox-ID"));
  }

  @Test
  void unknownSandboxGets502WithTheReferenceBody() throws Exception {
    startRouter();
    Reply reply = send(HttpMethod.GET, "/", routing("ghost"), null);
    assertEquals(502, reply.status());
    assertEquals("application/json", reply.headers().get("Content-Type"));
    assertEquals("{\"detail\":\"Could not connect to the backend sandbox: ghost\"}", reply.body().toString());
  }

  @Test
  void sandboxWithoutPodIpsGets502() throws Exception {
    createSandbox(NS, "no-ips", null);
    startRouter();
    Reply reply = send(HttpMethod.GET, "/", routing("no-ips"), null);
    assertEquals(502, reply.status());
    assertEquals("Could not connect to the backend sandbox: no-ips", reply.json().getString("detail"));
  }

  @Test
  void sandboxInAnotherNamespaceIsOnlyReachableWithItsNamespaceHeader() throws Exception {
    createSandbox("team-a", "sb", List.of("127.0.0.1"));
    startRouter();
    assertEquals(502, send(HttpMethod.GET, "/", routing("sb"), null).status());
    MultiMap headers = routing("sb").add("X-Sandbox-Namespace", "team-a");
    assertEquals(200, send(HttpMethod.GET, "/", headers, null).status());
  }

  @Test
  void sandboxOutsideTheWatchedNamespaceIsNotRoutable() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    createSandbox("team-a", "sb", List.of("127.0.0.1"));
    startRouter(RouterOptions.builder().watchNamespace("team-a").defaultNamespace("team-a"));
    assertEquals(200, send(HttpMethod.GET, "/", routing("sb"), null).status());
    assertEquals(502, send(HttpMethod.GET, "/", routing("sb").add("X-Sandbox-Namespace", NS), null).status());
  }

  @Test
  void refusedConnectionGets502WithTheReferenceBody() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb")
        .add("X-Sandbox-Port", Integer.toString(closedPort));
    Reply reply = send(HttpMethod.GET, "/", headers, null);
    assertEquals(502, reply.status());
    assertEquals("{\"detail\":\"Could not connect to the backend sandbox: sb\"}", reply.body().toString());
  }

  @Test
  void forwardsMethodPathQueryAndBodyButNotRoutingCredentialOrHopByHopHeaders() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    MultiMap headers = routing("sb")
        .add("X-Sandbox-Namespace", NS)
        .add("X-Sandbox-Timeout", "30")
        .add("X-Sandbox-Pod-IP", "127.0.0.1")
        .add("Authorization", "Bearer router-token")
        .add("Proxy-Authorization", "Basic eDp5")
        .add("Connection", "keep-alive, X-Drop-Me")
        .add("X-Drop-Me", "1")
        .add("Keep-Alive", "timeout=5")
        .add("Proxy-Connection", "keep-alive")
        .add("TE", "trailers")
        .add("Trailer", "X-Checksum")
        .add("Upgrade", "websocket")
        .add("X-Custom", "kept")
        .add("Content-Type", "text/plain");
    Reply reply = send(HttpMethod.PUT, "/files/a%2Fb.txt?mode=w&x=%20y", headers, Buffer.buffer("hello"));

    assertEquals(200, reply.status(), reply.body().toString());
    JsonObject seen = reply.json();
    assertEquals("PUT", seen.getString("method"));
    assertEquals("/files/a%2Fb.txt?mode=w&x=%20y", seen.getString("uri"));
    assertEquals("hello", seen.getString("body"));
    JsonObject upstreamHeaders = seen.getJsonObject("headers");
    for (String name : upstreamHeaders.fieldNames()) {
      assertFalse(name.startsWith("x-sandbox-"), "forwarded " + name);
    }
    for (String name : List.of("authorization", "proxy-authorization", "x-drop-me", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade")) {
      assertNull(upstreamHeaders.getValue(name), "forwarded " + name);
    }
    String connection = String.valueOf(upstreamHeaders.getValue("connection"));
    assertFalse(connection.toLowerCase().contains("x-drop-me"), connection);
    assertEquals("[\"kept\"]", upstreamHeaders.getJsonArray("x-custom").encode());
    assertEquals("[\"text/plain\"]", upstreamHeaders.getJsonArray("content-type").encode());
    assertEquals("[\"127.0.0.1:" + runtime.port() + "\"]", upstreamHeaders.getJsonArray("host").encode());
  }

  @Test
  void R8_upstreamCredentialsReplaceTheClientsAuthorizationForTheirTarget() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    List<String> asked = new CopyOnWriteArrayList<>();
    startRouter(RouterOptions.builder().upstreamCredentials((host, port) -> {
      asked.add(host + ":" + port);
      return Optional.of("runtime-token");
    }));

    Reply reply = send(HttpMethod.GET, "/echo", routing("sb").add("Authorization", "Bearer router-token"),
        null);

    assertEquals(200, reply.status(), reply.body().toString());
    assertEquals("[\"Bearer runtime-token\"]",
        reply.json().getJsonObject("headers").getJsonArray("authorization").encode());
    assertEquals(List.of("127.0.0.1:" + runtime.port()), asked);
  }

  @Test
  void hopByHopResponseHeadersAreDropped() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    Reply reply = send(HttpMethod.GET, "/hop", routing("sb"), null);
    assertEquals(200, reply.status());
    assertEquals("yes", reply.headers().get("X-Kept"));
    assertEquals("hop", reply.body().toString());
    for (String name : List.of("X-Hop-Private", "Keep-Alive", "Proxy-Authenticate", "Trailer")) {
      assertNull(reply.headers().get(name), "returned " + name);
    }
  }

  @Test
  void headRequestGetsTheHeadersWithoutABodyAndTheConnectionStaysUsable() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    Reply head = send(HttpMethod.HEAD, "/hop", routing("sb"), null);
    assertEquals(200, head.status());
    assertEquals("3", head.headers().get("Content-Length"));
    assertEquals(0, head.body().length());
    assertEquals("hop", send(HttpMethod.GET, "/hop", routing("sb"), null).body().toString());
  }

  @Test
  void responseWithoutLengthIsRelayedChunked() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    runtime.releaseDownload.complete(null);
    long size = 3L * FakeRuntime.CHUNK + 5;
    Reply reply = send(HttpMethod.GET, "/download?chunked=true&size=" + size, routing("sb"), null);
    assertEquals(200, reply.status());
    assertEquals("chunked", reply.headers().get("Transfer-Encoding"));
    assertEquals(size, reply.body().length());
    assertEquals(FakeRuntime.expectedSha256(size),
        HexFormat.of().formatHex(FakeRuntime.sha256().digest(reply.body().getBytes())));
  }

  @Test
  void podIpHintThatIsNotTheSandboxesIsIgnored() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    // Nothing listens on 127.0.0.9: the request only succeeds if the router ignores the hint.
    Reply reply = send(HttpMethod.GET, "/", routing("sb").add("X-Sandbox-Pod-IP", "127.0.0.9"), null);
    assertEquals(200, reply.status());
  }

  @Test
  void podIpHintChoosesAmongTheSandboxesOwnPodIps() throws Exception {
    // The runtime listens on 127.0.0.1 only, so the first pod IP refuses connections.
    createSandbox(NS, "sb", List.of("127.0.0.9", "127.0.0.1"));
    startRouter();
    assertEquals(502, send(HttpMethod.GET, "/", routing("sb"), null).status());
    Reply reply = send(HttpMethod.GET, "/", routing("sb").add("X-Sandbox-Pod-IP", "127.0.0.1"), null);
    assertEquals(200, reply.status());
  }

  @Test
  void redirectIsPassedBackAndNotFollowed() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    Reply reply = send(HttpMethod.GET, "/redirect", routing("sb"), null);
    assertEquals(302, reply.status());
    assertEquals("http://127.0.0.1:" + runtime.port() + "/secret", reply.headers().get("Location"));
    assertEquals(0, runtime.secretHits.get());
  }

  @Test
  void sandboxThatDoesNotAnswerInTimeGets504() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    Reply reply = send(HttpMethod.GET, "/hang", routing("sb").add("X-Sandbox-Timeout", "0.2"), null);
    assertEquals(504, reply.status());
    assertEquals("The backend sandbox sb did not respond within 0.2 s", reply.json().getString("detail"));
  }

  @Test
  void routerTimeoutAppliesWhenItIsShorterThanTheRequestedOne() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter(RouterOptions.builder().upstreamTimeout(Duration.ofMillis(200)));
    Reply reply = send(HttpMethod.GET, "/hang", routing("sb").add("X-Sandbox-Timeout", "600"), null);
    assertEquals(504, reply.status());
  }

  @Test
  void tenMebibyteUploadIsStreamedToTheSandbox() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    MessageDigest sent = FakeRuntime.sha256();
    Random random = new Random(42);
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    HttpClientRequest request = onClientContext(() -> http.request(routerRequest(HttpMethod.POST, "/upload", routing("sb")))
        .map(opened -> {
          opened.setChunked(true);
          opened.response().compose(response -> response.body()
                  .map(body -> new Reply(response.statusCode(), response.headers(), body)))
              .onComplete(done -> complete(reply, done));
          opened.write(nextChunk(random, sent));
          return opened;
        }));
    // A buffering router would wait for the whole body before contacting the sandbox.
    runtime.uploadStarted.get(10, TimeUnit.SECONDS);
    onClientContext(() -> {
      for (long written = FakeRuntime.CHUNK; written < TEN_MIB; written += FakeRuntime.CHUNK) {
        request.write(nextChunk(random, sent));
      }
      return request.end();
    });
    Reply answer = reply.get(30, TimeUnit.SECONDS);
    assertEquals(200, answer.status());
    assertEquals(TEN_MIB, answer.json().getLong("bodyLength"));
    assertEquals(HexFormat.of().formatHex(sent.digest()), answer.json().getString("bodySha256"));
  }

  @Test
  void tenMebibyteDownloadIsStreamedToTheClient() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    MessageDigest received = FakeRuntime.sha256();
    long[] length = {0};
    HttpClientResponse answer = onClientContext(() -> http.request(
            routerRequest(HttpMethod.GET, "/download?size=" + TEN_MIB, routing("sb")))
        .compose(HttpClientRequest::send)
        .compose(response -> {
          response.handler(data -> {
            length[0] += data.length();
            received.update(data.getBytes());
            // The sandbox sends the rest only once the client holds the first bytes.
            runtime.releaseDownload.complete(null);
          });
          return response.end().map(response);
        }));
    assertEquals(200, answer.statusCode());
    assertEquals(Long.toString(TEN_MIB), answer.getHeader("Content-Length"));
    assertEquals(TEN_MIB, length[0]);
    assertEquals(FakeRuntime.expectedSha256(TEN_MIB), HexFormat.of().formatHex(received.digest()));
  }

  @Test
  void sandboxCreatedAfterStartBecomesRoutableAndDeletingItMakesIt502() throws Exception {
    startRouter();
    assertEquals(502, send(HttpMethod.GET, "/", routing("late"), null).status());

    Sandbox sandbox = createSandbox(NS, "late", List.of("127.0.0.1"));
    awaitStatus(200, () -> send(HttpMethod.GET, "/", routing("late"), null));

    client.resources(Sandbox.class).inNamespace(NS).resource(sandbox).delete();
    Reply gone = awaitStatus(502, () -> send(HttpMethod.GET, "/", routing("late"), null));
    assertEquals("Could not connect to the backend sandbox: late", gone.json().getString("detail"));
  }

  @Test
  void startFailsWithAClearMessageWhenThePortIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      RouterOptions options = RouterOptions.builder().host("127.0.0.1").port(taken.getLocalPort())
          .allowUnauthenticated(true).build();
      RouterStartException e = assertThrows(RouterStartException.class, () -> SandboxRouter.start(vertx, client, options));
      assertTrue(e.getMessage().contains("Could not listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
    }
  }

  @Test
  void closeIsIdempotentAndLeavesVertxAndTheKubernetesClientUsable() throws Exception {
    createSandbox(NS, "sb", List.of("127.0.0.1"));
    startRouter();
    router.close();
    router.close();
    assertEquals(1, client.resources(Sandbox.class).inNamespace(NS).list().getItems().size());
    Reply direct = onClientContext(() -> http.request(
            new RequestOptions().setHost("127.0.0.1").setPort(runtime.port()).setURI("/"))
        .compose(request -> request.send().compose(response -> response.body()
            .map(body -> new Reply(response.statusCode(), response.headers(), body)))));
    assertEquals(200, direct.status());
  }

  private void startRouter() {
    startRouter(RouterOptions.builder());
  }

  private void startRouter(RouterOptions.Builder options) {
    router = SandboxRouter.start(vertx, client, options.host("127.0.0.1").port(0).allowUnauthenticated(true).build());
  }

  private Sandbox createSandbox(String namespace, String name, List<String> podIps) {
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    sandbox.setSpec(new SandboxSpec());
    Sandbox created = client.resources(Sandbox.class).inNamespace(namespace).resource(sandbox).create();
    if (podIps == null) {
      return created;
    }
    created.setStatus(new SandboxStatus(null, podIps, null, null, null, null));
    return client.resources(Sandbox.class).inNamespace(namespace).resource(created).updateStatus();
  }

  private MultiMap routing(String sandboxId) {
    return MultiMap.caseInsensitiveMultiMap()
        .add("X-Sandbox-ID", sandboxId)
        .add("X-Sandbox-Port", Integer.toString(runtime.port()));
  }

  private RequestOptions routerRequest(HttpMethod method, String uri, MultiMap headers) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(router.port()).setURI(uri)
        .setHeaders(headers);
  }

  private Reply send(HttpMethod method, String uri, MultiMap headers, Buffer body) throws Exception {
    return onClientContext(() -> http.request(routerRequest(method, uri, headers))
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(data -> new Reply(response.statusCode(), response.headers(), data))));
  }

  private static Buffer nextChunk(Random random, MessageDigest digest) {
    byte[] chunk = new byte[FakeRuntime.CHUNK];
    random.nextBytes(chunk);
    digest.update(chunk);
    return Buffer.buffer(chunk);
  }

  /** Repeats a request until it gets the status, for changes that reach the router through its watch. */
  private static Reply awaitStatus(int status, ThrowingSupplier<Reply> request) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Reply reply = request.get();
      if (reply.status() == status) {
        return reply;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Expected status " + status + " within 10 s, last got " + reply.status());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private <T> T onClientContext(Supplier<Future<T>> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    clientContext.runOnContext(ignored -> action.get().onComplete(done -> complete(result, done)));
    return result.get(30, TimeUnit.SECONDS);
  }

  private static <T> void complete(CompletableFuture<T> future, AsyncResult<T> result) {
    if (result.succeeded()) {
      future.complete(result.result());
    } else {
      future.completeExceptionally(result.cause());
    }
  }

  @FunctionalInterface
  private interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  private record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }
  }
}
