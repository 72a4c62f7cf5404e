package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kubectl's port-forward protocol ({@code portforward.k8s.io} over SPDY/3.1) against the embedded
 * API server, driven by a client framed with Netty's SPDY codec: over an HTTP/1.1 upgrade to
 * SPDY (kubectl up to 1.30) and tunnelled in a WebSocket (kubectl from 1.31), to an echo server
 * standing in for a pod.
 */
class SpdyPortForwardTest {
  private static final String PATH = "/api/v1/namespaces/default/pods/echo/portforward";

  /** How the client reaches the SPDY session. */
  enum Protocol { UPGRADE, WEBSOCKET_TUNNEL }

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private Vertx vertx;
  private NetServer echo;
  private LocalApiServer api;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    echo = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(socket::write))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    api = LocalApiServer.start((ns, pod) -> "default".equals(ns) && "echo".equals(pod)
        ? Optional.of("127.0.0.1") : Optional.empty());
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    api.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int apiPort() {
    return URI.create(api.url()).getPort();
  }

  private SpdyPortForwardClient connect(Protocol protocol) throws Exception {
    return connect(protocol, PATH);
  }

  private SpdyPortForwardClient connect(Protocol protocol, String path) throws Exception {
    if (protocol == Protocol.WEBSOCKET_TUNNEL) {
      return SpdyPortForwardClient.tunnel(vertx, apiPort(), path, api.token());
    }
    CompletableFuture<SpdyPortForwardClient.Upgrade> answer = new CompletableFuture<>();
    SpdyPortForwardClient client = SpdyPortForwardClient.upgrade(apiPort(), path, api.token(), answer);
    assertNotNull(client, () -> "refused: " + answer.join());
    return client;
  }

  @Test
  void theUpgradeIsAnsweredWithTheHeadersKubectlChecks() throws Exception {
    CompletableFuture<SpdyPortForwardClient.Upgrade> answer = new CompletableFuture<>();
    try (SpdyPortForwardClient client = SpdyPortForwardClient.upgrade(apiPort(), PATH, api.token(), answer)) {
      assertNotNull(client);
      SpdyPortForwardClient.Upgrade upgrade = answer.get();
      assertEquals(101, upgrade.status());
      assertEquals("SPDY/3.1", upgrade.headers().get("upgrade"));
      assertEquals("upgrade", upgrade.headers().get("connection").toLowerCase(Locale.ROOT));
      assertEquals("portforward.k8s.io", upgrade.headers().get("x-stream-protocol-version"));
    }
  }

  @Test
  void anUpgradeWithoutTheClustersTokenIsUnauthorized() throws Exception {
    CompletableFuture<SpdyPortForwardClient.Upgrade> answer = new CompletableFuture<>();
    assertNull(SpdyPortForwardClient.upgrade(apiPort(), PATH, null, answer));
    assertEquals(401, answer.get().status());
  }

  @Test
  void anUpgradeToAPodThatIsNotRunningIsNotFound() throws Exception {
    CompletableFuture<SpdyPortForwardClient.Upgrade> answer = new CompletableFuture<>();
    assertNull(SpdyPortForwardClient.upgrade(apiPort(), "/api/v1/namespaces/default/pods/missing/portforward",
        api.token(), answer));
    assertEquals(404, answer.get().status());
    assertTrue(answer.get().body().contains("missing"), answer.get().body());
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void bytesGoToThePodAndBackAndBothStreamsEndWithTheConnection(Protocol protocol) throws Exception {
    try (SpdyPortForwardClient client = connect(protocol)) {
      client.ping(1);
      int error = client.openStream("error", echo.actualPort(), "0");
      client.finish(error); // kubectl writes nothing on the error stream
      int data = client.openStream("data", echo.actualPort(), "0");
      byte[] hello = "hello, pod".getBytes(StandardCharsets.UTF_8);
      client.write(data, hello);
      assertArrayEquals(hello, client.read(data, hello.length));
      client.write(data, "again".getBytes(StandardCharsets.UTF_8));
      assertEquals("again", new String(client.read(data, 5), StandardCharsets.UTF_8));

      client.finish(data); // the pod reads the end of the stream, and closes its side
      assertEquals(0, client.readToEnd(data).length);
      assertEquals("", new String(client.readToEnd(error), StandardCharsets.UTF_8));
      client.reset(data);
      client.ping(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void aLargeTransferArrivesWhole(Protocol protocol) throws Exception {
    byte[] payload = new byte[8 * 1024 * 1024];
    new Random(11).nextBytes(payload);
    try (SpdyPortForwardClient client = connect(protocol)) {
      client.openStream("error", echo.actualPort(), "0");
      int data = client.openStream("data", echo.actualPort(), "0");
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          client.write(data, payload);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, threads);
      byte[] received = client.read(data, payload.length);
      sent.get(SpdyPortForwardClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertEquals(sha256(payload), sha256(received));
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void twoConnectionsShareOneSession(Protocol protocol) throws Exception {
    try (SpdyPortForwardClient client = connect(protocol)) {
      int firstError = client.openStream("error", echo.actualPort(), "0");
      int secondError = client.openStream("error", echo.actualPort(), "1");
      int second = client.openStream("data", echo.actualPort(), "1");
      int first = client.openStream("data", echo.actualPort(), "0");
      byte[] one = new byte[512 * 1024];
      byte[] two = new byte[512 * 1024];
      new Random(1).nextBytes(one);
      new Random(2).nextBytes(two);
      CompletableFuture<byte[]> firstBack = CompletableFuture.supplyAsync(() -> exchange(client, first, one), threads);
      CompletableFuture<byte[]> secondBack = CompletableFuture.supplyAsync(() -> exchange(client, second, two), threads);
      assertEquals(sha256(one), sha256(firstBack.get(SpdyPortForwardClient.TIMEOUT_SECONDS, TimeUnit.SECONDS)));
      assertEquals(sha256(two), sha256(secondBack.get(SpdyPortForwardClient.TIMEOUT_SECONDS, TimeUnit.SECONDS)));

      client.finish(first);
      assertEquals(0, client.readToEnd(first).length);
      assertEquals(0, client.readToEnd(firstError).length);
      // The other connection goes on.
      client.write(second, "still here".getBytes(StandardCharsets.UTF_8));
      assertEquals("still here", new String(client.read(second, 10), StandardCharsets.UTF_8));
      client.finish(second);
      assertEquals(0, client.readToEnd(secondError).length);
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void aRefusedPodPortIsReportedOnTheErrorStream(Protocol protocol) throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (SpdyPortForwardClient client = connect(protocol)) {
      int error = client.openStream("error", closedPort, "7");
      int data = client.openStream("data", closedPort, "7");
      String message = new String(client.readToEnd(error), StandardCharsets.UTF_8);
      assertTrue(message.startsWith("error forwarding port " + closedPort + " to pod default/echo"), message);
      assertEquals(0, client.readToEnd(data).length);

      // The session stays usable for other connections.
      client.openStream("error", echo.actualPort(), "8");
      int next = client.openStream("data", echo.actualPort(), "8");
      client.write(next, new byte[] {42});
      assertArrayEquals(new byte[] {42}, client.read(next, 1));
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void aPodThatReadsNothingHoldsTheClientBackUntilItReads(Protocol protocol) throws Exception {
    byte[] payload = new byte[64 * 1024 * 1024];
    new Random(3).nextBytes(payload);
    try (ServerSocketChannel still = ServerSocketChannel.open()
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SpdyPortForwardClient client = connect(protocol)) {
      int stillPort = ((InetSocketAddress) still.getLocalAddress()).getPort();
      client.openStream("error", stillPort, "0");
      int data = client.openStream("data", stillPort, "0");
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          client.write(data, payload);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, threads);
      try (SocketChannel pod = still.accept()) {
        // Far more than every buffer on the way holds: without flow control the server would
        // take it all at once.
        assertThrows(TimeoutException.class, () -> sent.get(3, TimeUnit.SECONDS),
            "the client was not held back while the pod read nothing");
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocate(1024 * 1024);
        long total = 0;
        while (total < payload.length) {
          int n = pod.read(buffer.clear());
          if (n < 0) {
            break;
          }
          digest.update(buffer.flip());
          total += n;
        }
        assertEquals(payload.length, total);
        assertEquals(sha256(payload), HexFormat.of().formatHex(digest.digest()));
        sent.get(SpdyPortForwardClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void bytesSentBeforeTheErrorStreamWaitForIt(Protocol protocol) throws Exception {
    try (SpdyPortForwardClient client = connect(protocol)) {
      int data = client.openStream("data", echo.actualPort(), "4");
      client.write(data, "early".getBytes(StandardCharsets.UTF_8));
      client.openStream("error", echo.actualPort(), "4");
      assertEquals("early", new String(client.read(data, 5), StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void everyRequestToARuntimeCarriesItsAccessToken(Protocol protocol) throws Exception {
    HttpServer runtime = vertx.createHttpServer()
        .requestHandler(request -> request.response().end(String.valueOf(request.getHeader("Authorization"))))
        .listen(0, "127.0.0.2").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (LocalApiServer guarded = LocalApiServer.start(new PodAddressBook() {
      @Override
      public Optional<String> addressOf(String namespace, String podName) {
        return "runtime".equals(podName) ? Optional.of("127.0.0.2") : Optional.empty();
      }

      @Override
      public Optional<String> accessTokenOf(String address) {
        return Optional.of("runtime-token");
      }
    })) {
      int port = URI.create(guarded.url()).getPort();
      String path = "/api/v1/namespaces/default/pods/runtime/portforward";
      SpdyPortForwardClient client;
      if (protocol == Protocol.WEBSOCKET_TUNNEL) {
        client = SpdyPortForwardClient.tunnel(vertx, port, path, guarded.token());
      } else {
        client = SpdyPortForwardClient.upgrade(port, path, guarded.token(), new CompletableFuture<>());
      }
      try (SpdyPortForwardClient forward = client) {
        forward.openStream("error", runtime.actualPort(), "0");
        int data = forward.openStream("data", runtime.actualPort(), "0");
        forward.write(data, ("GET / HTTP/1.1\r\nHost: runtime\r\nAuthorization: Bearer guessed\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        forward.finish(data);
        String response = new String(forward.readToEnd(data), StandardCharsets.US_ASCII);
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.endsWith("\r\n\r\nBearer runtime-token"), response);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void aStreamWithoutAPortIsRefused(Protocol protocol) throws Exception {
    try (SpdyPortForwardClient client = connect(protocol)) {
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> client.openStream("data", 0, "0"));
      assertTrue(refused.getCause().getMessage().contains("reset"), refused.getCause().getMessage());
    }
  }

  private byte[] exchange(SpdyPortForwardClient client, int stream, byte[] payload) {
    try {
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          client.write(stream, payload);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, threads);
      byte[] back = client.read(stream, payload.length);
      sent.get(SpdyPortForwardClient.TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return back;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
