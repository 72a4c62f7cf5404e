package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.runtime.IsolationPolicy;
import dev.agentsandbox.runtime.OtherUser;
import dev.agentsandbox.runtime.OtherUser.Result;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Only the embedded cluster's own components reach a sandbox's runtime: the router, the API
 * server's port-forwards and the readiness probes; a client that connects to the pod address
 * itself, as any local user can, is refused.
 */
class RuntimeAccessEndToEndTest {
  private static final String NAMESPACE = "default";
  private static final MediaType JSON = MediaType.get("application/json");

  private static LocalSandboxCluster cluster;
  private static OkHttpClient http;

  @BeforeAll
  static void startCluster() {
    cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
    try (InputStream yaml = RuntimeAccessEndToEndTest.class.getResourceAsStream(
        "/python-runtime-template.yaml")) {
      cluster.apply(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
  }

  @AfterAll
  static void stopCluster() {
    if (http != null) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void R8_aClientConnectingToThePodAddressIsRefusedWhileTheRouterIsServed() throws IOException {
    try (SandboxClient sandbox = newSandbox()) {
      assertEquals("through the router\n", sandbox.run("echo through the router").stdout());

      String url = "http://" + podIp(sandbox) + ":8888";
      try (Response direct = http.newCall(new Request.Builder().url(url + "/execute")
          .post(RequestBody.create("{\"command\": \"touch direct.txt\"}", JSON)).build())
          .execute()) {
        assertEquals(401, direct.code());
      }
      try (Response guessed = http.newCall(new Request.Builder().url(url + "/")
          .header("Authorization", "Bearer guessed").build()).execute()) {
        assertEquals(401, guessed.code());
      }
      assertFalse(sandbox.exists("direct.txt"), "a command sent to the pod address ran");
    }
  }

  @Test
  void R8_anotherLocalUserCannotRunCommandsInASandbox() throws Exception {
    assumeTrue(OtherUser.unavailable().isEmpty(),
        () -> "no second local user: " + OtherUser.unavailable().orElse(""));
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is needed as client");
    try (SandboxClient sandbox = newSandbox()) {
      String client = String.join("\n",
          "import urllib.request, urllib.error",
          "request = urllib.request.Request('http://" + podIp(sandbox) + ":8888/execute',",
          "    data=b'{\"command\": \"touch other-user.txt\"}',",
          "    headers={'Content-Type': 'application/json'})",
          "try:",
          "    print('status', urllib.request.urlopen(request, timeout=20).status)",
          "except urllib.error.HTTPError as e:",
          "    print('status', e.code)");

      Result result = OtherUser.run(OtherUser.command(List.of("/usr/bin/python3", "-c", client)),
          Path.of("/"), 60);

      assertEquals(0, result.exitCode(), result.output());
      assertEquals("status 401", result.output().trim());
      assertFalse(sandbox.exists("other-user.txt"), "the other user's command ran");
    }
  }

  @Test
  void R8_aPortForwardToASandboxPodPresentsTheTokenForItsClient() throws IOException {
    try (SandboxClient sandbox = newSandbox();
        LocalPortForward forward = cluster.client().pods().inNamespace(NAMESPACE)
            .withName(sandbox.sandboxName()).portForward(8888)) {
      String url = "http://127.0.0.1:" + forward.getLocalPort();
      // Two requests on one connection, the second with a token of the client's own, which
      // the API server replaces.
      for (String authorization : List.of("", "Bearer the-clients-own")) {
        Request.Builder request = new Request.Builder().url(url + "/execute")
            .post(RequestBody.create("{\"command\": \"echo via port-forward\"}", JSON));
        if (!authorization.isEmpty()) {
          request.header("Authorization", authorization);
        }
        try (Response response = http.newCall(request.build()).execute()) {
          assertEquals(200, response.code());
          assertTrue(response.body().string().contains("via port-forward"));
        }
      }
    }
  }

  private static SandboxClient newSandbox() {
    return SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .templateName("python-runtime-template").namespace(NAMESPACE).build();
  }

  private static String podIp(SandboxClient sandbox) {
    Pod pod = cluster.client().pods().inNamespace(NAMESPACE).withName(sandbox.sandboxName()).get();
    return pod.getStatus().getPodIP();
  }
}
