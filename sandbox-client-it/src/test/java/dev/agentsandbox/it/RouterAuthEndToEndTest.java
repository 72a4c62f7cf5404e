package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The embedded cluster's routers require a token the cluster makes for itself (R15). */
@SandboxTest
@SandboxTemplate(resource = "python-runtime-template.yaml")
class RouterAuthEndToEndTest {
  private static final String TEMPLATE = "python-runtime-template";

  private static LocalSandboxCluster cluster;

  @Test
  void R15_embeddedRouterAnswersOnlyRequestsWithTheClusterToken() throws IOException {
    InetSocketAddress router = cluster.routerAddress("default");
    String base = "http://" + router.getHostString() + ":" + router.getPort();
    OkHttpClient http = new OkHttpClient();
    try {
      assertEquals(200, status(http, new Request.Builder().url(base + "/healthz").build()));
      Request.Builder routed = new Request.Builder().url(base + "/").header("X-Sandbox-ID", "no-such-sandbox");
      assertEquals(401, status(http, routed.build()));
      assertEquals(401, status(http, routed.header("Authorization", "Bearer wrong").build()));
      // Past the token check, an unknown sandbox is the router's usual 502.
      assertEquals(502, status(http, routed.header("Authorization", "Bearer " + cluster.routerAuthToken()).build()));
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  @Test
  void R15_clientsSendTheClusterTokenThroughTheTunnelAndDirectly() {
    try (SandboxClient sandbox = builder().connection(cluster.tunnel()).build()) {
      assertEquals("tunnel\n", sandbox.run("echo tunnel").stdout());
    }
    InetSocketAddress router = cluster.routerAddress("default");
    String url = "http://" + router.getHostString() + ":" + router.getPort();
    try (SandboxClient sandbox = builder()
        .connection(ConnectionMode.direct(url).withAuthToken(cluster.routerAuthToken())).build()) {
      assertEquals("direct\n", sandbox.run("echo direct").stdout());
    }
  }

  @Test
  void R15_aClientWithoutTheTokenGets401() {
    SandboxRequestException e = assertThrows(SandboxRequestException.class, () -> {
      try (SandboxClient sandbox = builder().connection(ConnectionMode.tunnel()).build()) {
        sandbox.run("echo never");
      }
    });
    assertEquals(401, e.statusCode());
    assertFalse(e.getMessage().contains(cluster.routerAuthToken()), e.getMessage());
  }

  @Test
  void R15_everyClusterMakesItsOwnToken() {
    try (LocalSandboxCluster other = LocalSandboxCluster.builder().controller(false).start()) {
      assertNotEquals(cluster.routerAuthToken(), other.routerAuthToken());
    }
  }

  private static SandboxClient.Builder builder() {
    return SandboxClient.builder().kubernetesClient(cluster.client()).templateName(TEMPLATE);
  }

  private static int status(OkHttpClient http, Request request) {
    try (Response response = http.newCall(request).execute()) {
      return response.code();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
