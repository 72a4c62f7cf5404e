package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.SandboxConnectionException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What is sent again and what is not, against a real loopback server. The exchange here is a
 * bare GET whose answer is its status code: retries do not depend on the runtime's format.
 */
class RetryingCallTest {
  private static final SandboxRef REF = new SandboxRef("claim-1", "agents", "sandbox-1");
  private static final RetryPolicy THREE_QUICK = RetryPolicy.of(3, Duration.ZERO, Duration.ZERO);
  private static final String NOT_FORWARDED = "X-Test-Not-Forwarded";

  private final MockWebServer server = new MockWebServer();
  private final AtomicInteger connectionFailures = new AtomicInteger();
  private HttpTransport transport;

  @BeforeEach
  void start() throws IOException {
    server.start(InetAddress.getLoopbackAddress(), 0);
    transport = new HttpTransport(new HttpSettings(Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(2), 1024, 8888, THREE_QUICK), false, null, null, null);
  }

  @AfterEach
  void stop() throws IOException {
    transport.close();
    server.shutdown();
  }

  @Test
  void anIdempotentCallIsSentAgainOnAGatewayError() {
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setResponseCode(502));
    server.enqueue(new MockResponse().setResponseCode(200));

    assertEquals(200, call(server.url("/")).send(RuntimeOperation.DOWNLOAD, "f", null, null, STATUS));
    assertEquals(3, server.getRequestCount());
  }

  @Test
  void theLastAttemptsAnswerIsReadWhateverItSays() {
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse().setResponseCode(504));
    }

    assertEquals(504, call(server.url("/")).send(RuntimeOperation.LIST, "d", null, null, STATUS));
    assertEquals(3, server.getRequestCount());
  }

  @Test
  void aCommandIsNotSentAgainOnAGatewayError() {
    server.enqueue(new MockResponse().setResponseCode(503));

    assertEquals(503, call(server.url("/")).send(RuntimeOperation.EXECUTE, null, null, null, STATUS));
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aCommandIsSentAgainWhenTheAnswerSaysItWasNotForwarded() {
    server.enqueue(new MockResponse().setResponseCode(502).setHeader(NOT_FORWARDED, "yes"));
    server.enqueue(new MockResponse().setResponseCode(200));

    assertEquals(200, call(server.url("/")).send(RuntimeOperation.EXECUTE, null, null, null, STATUS));
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void aProbeTakesAnyAnswer() {
    server.enqueue(new MockResponse().setResponseCode(503));

    assertEquals(503, call(server.url("/")).send(RuntimeOperation.PROBE, null, null, null, STATUS));
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aCommandWhoseConnectionDroppedAfterItWasWrittenIsNotSentAgain() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> call(server.url("/")).send(RuntimeOperation.EXECUTE, null, null, null, STATUS));
    assertTrue(e.getMessage().contains("may have reached the sandbox, so it was not sent again"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("check the route"), e.getMessage());
    assertEquals(1, server.getRequestCount());
    assertEquals(1, connectionFailures.get(), "the endpoint hears of the failure");
  }

  @Test
  void aReadWhoseConnectionDroppedIsSentAgain() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setResponseCode(200));

    assertEquals(200, call(server.url("/")).send(RuntimeOperation.EXISTS, "f", null, null, STATUS));
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void aCommandThatCouldNotConnectIsSentAgainUntilTheAttemptsAreUsedUp() throws IOException {
    HttpUrl nowhere;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nowhere = new HttpUrl.Builder().scheme("http").host("127.0.0.1").port(closed.getLocalPort())
          .build();
    }

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> call(nowhere).send(RuntimeOperation.EXECUTE, null, null, null, STATUS));
    assertEquals(3, connectionFailures.get(), "every attempt was made");
    assertTrue(e.getMessage().contains("Cannot reach the sandbox of SandboxClaim 'claim-1'"),
        e.getMessage());
  }

  @Test
  void aClosedCallSendsNothing() {
    RetryingCall call = call(server.url("/"));
    call.close();

    assertThrows(IllegalStateException.class,
        () -> call.send(RuntimeOperation.DOWNLOAD, "f", null, null, STATUS));
    assertEquals(0, server.getRequestCount());
  }

  private RetryingCall call(HttpUrl base) {
    SandboxEndpoint endpoint = new SandboxEndpoint() {
      @Override
      public Target target() {
        return Target.of(base);
      }

      @Override
      public void connectionFailed(Target target, IOException cause) {
        connectionFailures.incrementAndGet();
      }

      @Override
      public String hint() {
        return "check the route";
      }
    };
    return new RetryingCall(transport, endpoint, THREE_QUICK, REF);
  }

  private static final RetryingCall.Exchange<Integer> STATUS = new RetryingCall.Exchange<>() {
    @Override
    public Request.Builder request(HttpUrl baseUrl) {
      return new Request.Builder().url(baseUrl.resolve("/x"));
    }

    @Override
    public boolean notForwarded(Response response) {
      return response.header(NOT_FORWARDED) != null;
    }

    @Override
    public Integer read(Response response) {
      return response.code();
    }
  };
}
