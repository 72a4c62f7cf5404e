package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.PortForward;
import io.fabric8.kubernetes.client.Version;
import io.fabric8.kubernetes.client.dsl.internal.PortForwarderWebsocket;
import io.fabric8.kubernetes.client.http.WebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pins {@link Fabric8PortForward} to the fabric8 release it was written for, and checks what it
 * relies on of fabric8's internal port-forward code against a loopback server speaking the
 * API server's side of {@code v4.channel.k8s.io}. A failure here after a fabric8 upgrade means:
 * re-read fabric8's {@code PortForwarderWebsocket} and its listener, adapt the adapter, then
 * {@link Fabric8PortForward#WRITTEN_FOR}.
 */
class Fabric8PortForwardTest {
  private static final int PORT = 8080;
  private static final String PATH = "/api/v1/namespaces/agents/pods/router-0/portforward";

  private final MockWebServer server = new MockWebServer();
  private KubernetesClient client;

  @BeforeEach
  void start() throws IOException {
    server.start();
    Config config = new ConfigBuilder().withMasterUrl(server.url("/").toString())
        .withRequestTimeout(5_000).withRequestRetryBackoffLimit(0).build();
    client = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    server.shutdown();
  }

  @Test
  void theFabric8OnTheClasspathIsTheReleaseTheAdapterWasWrittenFor() throws IOException {
    assertEquals(Fabric8PortForward.WRITTEN_FOR, Version.clientVersion(),
        "fabric8 kubernetes-client-api version");
    // The internal class lives in another jar than Version; both must be of the same release.
    URL jar = PortForwarderWebsocket.class.getProtectionDomain().getCodeSource().getLocation();
    Properties pom = new Properties();
    try (JarFile file = new JarFile(jar.getPath());
        InputStream in = file.getInputStream(
            file.getEntry("META-INF/maven/io.fabric8/kubernetes-client/pom.properties"))) {
      pom.load(in);
    }
    assertEquals(Fabric8PortForward.WRITTEN_FOR, pom.getProperty("version"),
        "version of the jar holding " + PortForwarderWebsocket.class.getName());
  }

  @Test
  void bytesGoBothWaysAndTheObserverSeesTheWebSocketOpen() throws Exception {
    server.setDispatcher(forwarder(new EchoingPod()));
    Pipe toPod = Pipe.open();
    Pipe fromPod = Pipe.open();
    Observed observed = new Observed();

    PortForward forward = Fabric8PortForward.open(client, "agents", "router-0", PORT,
        toPod.source(), fromPod.sink(), observed);
    try {
      toPod.sink().write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)));

      assertEquals("ping", read(fromPod.source(), 4));
      assertNotNull(observed.opened.getNow(null), "told of the WebSocket before data flowed");
      RecordedRequest upgrade = server.takeRequest(5, TimeUnit.SECONDS);
      assertEquals(PATH + "?ports=" + PORT, upgrade.getPath());
      assertTrue(forward.isAlive());
      assertFalse(forward.errorOccurred());
    } finally {
      forward.close();
    }
  }

  @Test
  void anErrorOnTheErrorChannelIsKeptAsTheServersAndEndsTheStream() throws Exception {
    server.setDispatcher(forwarder(new FailingPod("connection refused")));
    Pipe toPod = Pipe.open();
    Pipe fromPod = Pipe.open();
    Observed observed = new Observed();

    PortForward forward = Fabric8PortForward.open(client, "agents", "router-0", PORT,
        toPod.source(), fromPod.sink(), observed);
    try {
      assertEquals(1000, observed.closed.get(5, TimeUnit.SECONDS));
      assertTrue(forward.errorOccurred());
      assertTrue(forward.getServerThrowables().stream()
          .anyMatch(t -> t.getMessage().contains("connection refused")),
          forward.getServerThrowables().toString());
      assertEquals(-1, fromPod.source().read(ByteBuffer.allocate(1)), "the stream's output ends");
    } finally {
      forward.close();
    }
  }

  @Test
  void aRefusedUpgradeIsToldToTheObserver() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setResponseCode(403).setBody("{\"kind\":\"Status\"}");
      }
    });
    Pipe toPod = Pipe.open();
    Pipe fromPod = Pipe.open();
    Observed observed = new Observed();

    PortForward forward = Fabric8PortForward.open(client, "agents", "router-0", PORT,
        toPod.source(), fromPod.sink(), observed);
    try {
      assertNotNull(observed.failed.get(5, TimeUnit.SECONDS));
      assertFalse(observed.opened.isDone());
    } finally {
      forward.close();
    }
  }

  private static Dispatcher forwarder(okhttp3.WebSocketListener pod) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (!request.getPath().startsWith(PATH)) {
          return new MockResponse().setResponseCode(404);
        }
        return new MockResponse().setHeader("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
            .withWebSocketUpgrade(pod);
      }
    };
  }

  private static String read(Pipe.SourceChannel source, int bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(bytes);
    while (buffer.hasRemaining()) {
      if (source.read(buffer) < 0) {
        break;
      }
    }
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
  }

  /** The API server's opening: one message per channel (data, error) naming the port. */
  private static void openChannels(okhttp3.WebSocket webSocket) {
    byte low = (byte) (PORT & 0xff);
    byte high = (byte) (PORT >> 8);
    webSocket.send(ByteString.of((byte) 0, low, high));
    webSocket.send(ByteString.of((byte) 1, low, high));
  }

  /** Sends every data message back on the data channel; answers a close as the API server does. */
  private static final class EchoingPod extends okhttp3.WebSocketListener {
    @Override
    public void onClosing(okhttp3.WebSocket webSocket, int code, String reason) {
      webSocket.close(1000, null);
    }

    @Override
    public void onOpen(okhttp3.WebSocket webSocket, Response response) {
      openChannels(webSocket);
    }

    @Override
    public void onMessage(okhttp3.WebSocket webSocket, ByteString bytes) {
      if (bytes.size() > 1 && bytes.getByte(0) == 0) {
        webSocket.send(bytes);
      }
    }
  }

  /** Reports an error on the error channel, then closes normally, as the API server does. */
  private static final class FailingPod extends okhttp3.WebSocketListener {
    private final String error;

    FailingPod(String error) {
      this.error = error;
    }

    @Override
    public void onOpen(okhttp3.WebSocket webSocket, Response response) {
      openChannels(webSocket);
      webSocket.send(new okio.Buffer().writeByte(1).writeUtf8(error).readByteString());
      webSocket.close(1000, null);
    }
  }

  private static final class Observed implements Fabric8PortForward.Observer {
    final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final CompletableFuture<Throwable> failed = new CompletableFuture<>();

    @Override
    public void opened(WebSocket webSocket) {
      opened.complete(webSocket);
    }

    @Override
    public void closed(int code, String reason) {
      closed.complete(code);
    }

    @Override
    public void failed(Throwable error) {
      failed.complete(error);
    }
  }
}
