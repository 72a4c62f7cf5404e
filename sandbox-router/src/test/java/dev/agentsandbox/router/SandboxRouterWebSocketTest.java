package dev.agentsandbox.router;

import static dev.agentsandbox.router.RouterFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WebSocket upgrades through the router (R16). */
class SandboxRouterWebSocketTest {
  private static final String TOKEN = "ws-token";

  private RouterFixture fixture;
  private HttpServer echo;
  private final BlockingQueue<MultiMap> handshakes = new LinkedBlockingQueue<>();
  private final AtomicInteger upstreamClosed = new AtomicInteger();
  private WebSocketClient webSockets;
  private SandboxRouter router;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new RouterFixture();
    fixture.createSandbox("sb");
    // Stands in for a runtime with a WebSocket endpoint: echoes every message back.
    echo = fixture.vertx.createHttpServer(new HttpServerOptions().setWebSocketSubProtocols(List.of("echo.v1")))
        .webSocketHandler(ws -> {
          handshakes.add(MultiMap.caseInsensitiveMultiMap().addAll(ws.headers()));
          ws.frameHandler(frame -> {
            if (frame.isText()) {
              ws.writeFinalTextFrame(frame.textData());
            } else if (frame.isBinary()) {
              ws.writeFinalBinaryFrame(frame.binaryData());
            }
          });
          ws.closeHandler(ignored -> upstreamClosed.incrementAndGet());
        });
    await(echo.listen(0, "127.0.0.1"));
    webSockets = fixture.vertx.createWebSocketClient();
  }

  @AfterEach
  void tearDown() throws Exception {
    await(webSockets.close());
    await(echo.close());
    fixture.close();
  }

  @Test
  void R16_webSocketEchoPassesThroughTheRouterWithoutRoutingCredentialOrOriginHeaders() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN));
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = connect(options().addHeader("Origin", "https://router.example.com")
        .addHeader("X-Custom", "kept").addSubProtocol("echo.v1"), received);

    assertEquals("echo.v1", ws.subProtocol());
    fixture.onClientContext(() -> ws.writeTextMessage("hello"));
    assertEquals("hello", received.poll(10, TimeUnit.SECONDS));
    fixture.onClientContext(() -> ws.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3})));
    assertEquals("binary:3", received.poll(10, TimeUnit.SECONDS));

    MultiMap seen = handshakes.poll(10, TimeUnit.SECONDS);
    assertNotNull(seen);
    for (String name : seen.names()) {
      assertFalse(name.toLowerCase().startsWith("x-sandbox-"), "forwarded " + name);
    }
    assertNull(seen.get("Authorization"));
    assertNull(seen.get("Origin"));
    assertEquals("kept", seen.get("X-Custom"));
    assertEquals("127.0.0.1:" + echo.actualPort(), seen.get("Host"));
    fixture.onClientContext(ws::close);
  }

  @Test
  void R16_webSocketUpgradeNeedsTheToken() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN));
    UpgradeRejectedException missing = rejected(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(router.port()).setURI("/ws").addHeader("X-Sandbox-ID", "sb")
        .addHeader("X-Sandbox-Port", Integer.toString(echo.actualPort())));
    assertEquals(401, missing.getStatus());
    assertEquals("Bearer", missing.getHeaders().get("WWW-Authenticate"));
    UpgradeRejectedException wrong = rejected(options().putHeader("Authorization", "Bearer nope"));
    assertEquals(401, wrong.getStatus());
    assertTrue(handshakes.isEmpty());
  }

  @Test
  void R16_connectionsPerClientAreLimitedAndFreedOnClose() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN).webSocketMaxConnectionsPerClient(2));
    WebSocket first = connect(options(), new LinkedBlockingQueue<>());
    connect(options(), new LinkedBlockingQueue<>());

    UpgradeRejectedException over = rejected(options());
    assertEquals(403, over.getStatus());
    assertEquals("Too many concurrent WebSocket connections (limit: 2).",
        over.getBody().toJsonObject().getString("detail"));

    fixture.onClientContext(first::close);
    awaitCondition(() -> upstreamClosed.get() == 1, "the sandbox side of the closed WebSocket to close");
    WebSocket third = awaitConnection();
    assertNotNull(third);
  }

  @Test
  void R16_idleWebSocketIsClosedOnBothSides() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN).webSocketMaxConnectionsPerClient(1)
        .webSocketIdleTimeout(Duration.ofMillis(300)));
    CompletableFuture<Void> closed = new CompletableFuture<>();
    WebSocket ws = connect(options(), new LinkedBlockingQueue<>());
    ws.closeHandler(ignored -> closed.complete(null));
    closed.get(10, TimeUnit.SECONDS);
    awaitCondition(() -> upstreamClosed.get() == 1, "the sandbox side of the idle WebSocket to close");
    assertNotNull(awaitConnection());
  }

  @Test
  void R16_webSocketPastItsLifetimeIsClosedEvenWhileBusy() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN).webSocketIdleTimeout(Duration.ZERO)
        .webSocketMaxLifetime(Duration.ofMillis(300)));
    CompletableFuture<Void> closed = new CompletableFuture<>();
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = connect(options(), received);
    ws.closeHandler(ignored -> closed.complete(null));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!closed.isDone() && System.nanoTime() < deadline) {
      // Traffic all along: only the lifetime can close this connection.
      fixture.onClientContext(() -> ws.isClosed() ? Future.<Void>succeededFuture()
          : ws.writeTextMessage("busy").otherwiseEmpty());
      received.poll(50, TimeUnit.MILLISECONDS);
    }
    closed.get(10, TimeUnit.SECONDS);
    awaitCondition(() -> upstreamClosed.get() == 1, "the sandbox side to close at the end of the lifetime");
  }

  @Test
  void R16_upgradeToASandboxWithoutWebSocketsGetsItsPlainAnswer() throws Exception {
    try (FakeRuntime plain = FakeRuntime.start(fixture.vertx)) {
      router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN));
      UpgradeRejectedException answer = rejected(options().putHeader("X-Sandbox-Port", Integer.toString(plain.port())));
      assertEquals(200, answer.getStatus());
      assertEquals("GET", answer.getBody().toJsonObject().getString("method"));
    }
  }

  private WebSocketConnectOptions options() {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(router.port()).setURI("/ws")
        .addHeader("X-Sandbox-ID", "sb")
        .addHeader("X-Sandbox-Port", Integer.toString(echo.actualPort()))
        .addHeader("Authorization", "Bearer " + TOKEN);
  }

  private WebSocket connect(WebSocketConnectOptions options, BlockingQueue<String> received) throws Exception {
    return fixture.onClientContext(() -> webSockets.connect(options).map(ws -> {
      ws.textMessageHandler(received::add);
      ws.binaryMessageHandler(data -> received.add("binary:" + data.length()));
      return ws;
    }));
  }

  /** Connects, retrying while the router still counts a connection whose close is under way. */
  private WebSocket awaitConnection() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return connect(options(), new LinkedBlockingQueue<>());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UpgradeRejectedException) || System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
  }

  private UpgradeRejectedException rejected(WebSocketConnectOptions options) throws Exception {
    try {
      WebSocket ws = connect(options, new LinkedBlockingQueue<>());
      fixture.onClientContext(ws::close);
      throw new AssertionError("The WebSocket connection was accepted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UpgradeRejectedException rejected) {
        return rejected;
      }
      throw e;
    }
  }

  private static void awaitCondition(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }
}
