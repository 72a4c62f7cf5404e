package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What goes on the wire in each mode, against OkHttp's MockWebServer as router or pod. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RouterRequestsTest {
  private static final String OK_RUN = "{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 0}";

  private FakeCluster cluster;
  private MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    cluster = new FakeCluster();
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
    cluster.close();
  }

  private SandboxClient.Builder builder(ConnectionMode mode) {
    return SandboxClient.builder()
        .templateName("python-runtime-template")
        .kubernetesClient(cluster.client)
        .connection(mode);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  @Test
  void routerTokenIsSentAsBearerAndAskedForAgainOnEveryRequest() throws Exception {
    cluster.controller(FakeController.readyAs("sandbox-1"));
    AtomicInteger rotation = new AtomicInteger();
    server.enqueue(new MockResponse().setBody(OK_RUN));
    server.enqueue(new MockResponse().setBody("{\"path\": \"x\", \"exists\": true}"));

    try (SandboxClient sandbox = builder(ConnectionMode.direct(url())
        .withAuthToken(() -> "token-" + rotation.incrementAndGet())).build()) {
      sandbox.run("true");
      sandbox.exists("x");
    }

    assertEquals("Bearer token-1", server.takeRequest().getHeader("Authorization"));
    assertEquals("Bearer token-2", server.takeRequest().getHeader("Authorization"));
  }

  @Test
  void aSuppliedTokenThatCannotBeSentFailsBeforeAnythingIsSent() {
    cluster.controller(FakeController.readyAs("sandbox-1"));

    try (SandboxClient sandbox = builder(ConnectionMode.direct(url())
        .withAuthToken(() -> "token\r\nX-Sandbox-ID: someone-else")).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sandbox.run("true"));

      assertTrue(e.getMessage().contains("router auth token"), e.getMessage());
      assertFalse(e.getMessage().contains("someone-else"), e.getMessage());
    }
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void sandboxNameThatCannotBeAHeaderFailsBeforeAnythingIsSentAndLeavesNoClaim() {
    cluster.controller(FakeController.readyAs("evil\r\nX-Sandbox-Namespace: kube-system"));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder(ConnectionMode.direct(url())).build());

    assertTrue(e.getMessage().startsWith("sandbox name"), e.getMessage());
    assertEquals(0, server.getRequestCount());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void inClusterModeGoesToThePodsIpv4AddressWithoutRouterHeaders() throws Exception {
    cluster.controller(FakeController.readyAs("sandbox-1"));
    Sandbox sandboxObject = new Sandbox();
    sandboxObject.getMetadata().setName("sandbox-1");
    sandboxObject.getMetadata().setNamespace("default");
    cluster.client.resource(sandboxObject).create();
    cluster.client.resources(Sandbox.class).inNamespace("default").withName("sandbox-1").editStatus(s -> {
      s.setStatus(new SandboxStatus(null, List.of("fd00::9", "127.0.0.1"), null, null, null, null));
      return s;
    });
    server.enqueue(new MockResponse().setBody(OK_RUN));

    try (SandboxClient sandbox = builder(ConnectionMode.inCluster()).sandboxPort(server.getPort()).build()) {
      assertEquals(0, sandbox.run("true").exitCode());
    }

    RecordedRequest request = server.takeRequest();
    assertEquals("/execute", request.getPath());
    request.getHeaders().names().forEach(name ->
        assertFalse(name.regionMatches(true, 0, "X-Sandbox-", 0, 10), name));
    assertNull(request.getHeader("Authorization"));
  }

  @Test
  void inClusterModeWithAMissingSandboxFailsAndLeavesNoClaim() {
    cluster.controller(FakeController.readyAs("sandbox-gone"));

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> builder(ConnectionMode.inCluster()).build());

    assertTrue(e.getMessage().contains("Sandbox 'sandbox-gone' not found"), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void noRetryPolicyMakesExactlyOneAttempt() {
    cluster.controller(FakeController.readyAs("sandbox-1"));
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setBody("{\"path\": \"x\", \"exists\": true}"));

    try (SandboxClient sandbox = builder(ConnectionMode.direct(url())).retryPolicy(RetryPolicy.none()).build()) {
      SandboxRequestException e = assertThrows(SandboxRequestException.class, () -> sandbox.exists("x"));
      assertEquals(503, e.statusCode());
    }
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aWholeFileIsWrittenAgainAfterA503ButAStreamIsNot() throws Exception {
    cluster.controller(FakeController.readyAs("sandbox-1"));
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setBody("{\"message\": \"ok\"}"));
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setBody("{\"message\": \"ok\"}"));

    try (SandboxClient sandbox = builder(ConnectionMode.direct(url())).build()) {
      sandbox.write("whole.txt", "same bytes");
      assertEquals(2, server.getRequestCount(), "the whole file was sent again");

      SandboxRequestException e = assertThrows(SandboxRequestException.class, () -> sandbox.files()
          .upload("streamed.txt", new ByteArrayInputStream("once".getBytes())));
      assertEquals(503, e.statusCode());
    }
    assertEquals(3, server.getRequestCount(), "a stream is sent once");
  }
}
