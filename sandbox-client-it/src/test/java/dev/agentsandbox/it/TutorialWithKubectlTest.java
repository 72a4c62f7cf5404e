package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.ClusterAwaits;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The getting-started tutorial, step by step, with the kubectl found on the machine against the
 * embedded cluster and its kubeconfig: apply the template, the router's manifests and a claim,
 * see the pods' READY and STATUS, wait for the claim, reach the sandbox through {@code kubectl
 * port-forward svc/sandbox-router-svc} with the tutorial's request, read its logs, exec in it,
 * and delete it all again. Skipped, with a message, where kubectl is not installed.
 */
@SandboxTest(apiServerTls = true)
class TutorialWithKubectlTest {
  private static final String CLAIM = ExternalClients.claimYaml("python-sandbox-example", "python-runtime-template");

  private static LocalSandboxCluster cluster;

  @TempDir
  Path dir;

  @Test
  void theTutorialRunsWithKubectl(KubernetesClient kubernetes) throws Exception {
    ExternalClients.Kubectl kubectl = ExternalClients.kubectlFor(cluster, dir);
    Path template = dir.resolve("python-runtime-template.yaml");
    try (InputStream in = getClass().getResourceAsStream("/python-runtime-template.yaml")) {
      Files.copy(in, template);
    }
    Path claim = Files.writeString(dir.resolve("sandbox-claim.yaml"), CLAIM);
    Path routerService = Path.of("..", "sandbox-router", "deploy", "30-service.yaml").toAbsolutePath().normalize();
    Path router = Path.of("..", "sandbox-router", "deploy", "40-deployment.yaml").toAbsolutePath().normalize();

    kubectl.run("apply", "-f", template.toString(), "-f", routerService.toString(), "-f", router.toString());
    kubectl.run("apply", "-f", claim.toString());
    kubectl.run("wait", "--for=condition=Ready", "sandboxclaim/python-sandbox-example", "--timeout=60s");

    String pods = kubectl.run("get", "pods").stdout();
    assertTrue(pods.contains("READY") && pods.contains("STATUS") && pods.contains("python-sandbox-example"), pods);

    Process forward = kubectl.start("port-forward", "svc/sandbox-router-svc", ":8080");
    OkHttpClient http = new OkHttpClient();
    try {
      int port = ExternalClients.forwardedPort(forward, 8080).get(60, TimeUnit.SECONDS);
      Request request = new Request.Builder().url("http://127.0.0.1:" + port + "/execute")
          .header("X-Sandbox-ID", "python-sandbox-example").header("X-Sandbox-Namespace", "default")
          .header("X-Sandbox-Port", "8888").header("Authorization", "Bearer " + cluster.routerAuthToken())
          .post(RequestBody.create("{\"command\": \"echo Hello from the sandboxed environment!\"}",
              MediaType.get("application/json")))
          .build();
      try (Response response = http.newCall(request).execute()) {
        assertEquals(200, response.code());
        assertTrue(response.body().string().contains("Hello from the sandboxed environment!"));
      }
    } finally {
      forward.destroyForcibly();
      forward.waitFor(10, TimeUnit.SECONDS);
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }

    assertTrue(kubectl.run("logs", "python-sandbox-example").stdout().contains("\"POST /execute HTTP/1.1\" 200"));
    assertEquals("sandboxed\n", kubectl.run("exec", "python-sandbox-example", "--", "echo", "sandboxed").stdout());

    kubectl.run("delete", "-f", claim.toString());
    ClusterAwaits.absent(kubernetes.pods().inNamespace("default").withName("python-sandbox-example"),
        Duration.ofSeconds(60));
    kubectl.run("delete", "-f", router.toString(), "-f", template.toString());
    ExternalClients.Result gone = kubectl.attempt("get", "sandboxclaim", "python-sandbox-example");
    assertNotEquals(0, gone.exitCode());
    assertTrue(gone.stderr().contains("NotFound"), gone.stderr());
  }
}
