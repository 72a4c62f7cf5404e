package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded cluster driven by the Kubernetes clients the tutorials and the reference Python
 * SDK use: kubectl and the Kubernetes Python client, through the kubeconfig the cluster writes.
 * Each test is skipped, with a message, where its client is not installed.
 */
@SandboxTest(apiServerTls = true)
@SandboxTemplate(resource = "python-runtime-template.yaml")
class KubernetesClientsEndToEndTest {
  private static final String TEMPLATE = "python-runtime-template";
  private static final long TIMEOUT_SECONDS = 120;

  private static LocalSandboxCluster cluster;

  @TempDir
  Path dir;

  @Test
  void pythonClientListsCreatesWatchesToReadyAndDeletesAClaim() throws IOException {
    Path python = ExternalClients.pythonWithKubernetesClient();
    Path script = dir.resolve("python_claim_lifecycle.py");
    try (InputStream in = getClass().getResourceAsStream("/clients/python_claim_lifecycle.py")) {
      Files.copy(in, script);
    }
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));

    String out = ExternalClients.run(List.of(python.toString(), script.toString(), kubeconfig.toString(), "default",
        TEMPLATE, "python-client-claim"), Map.of(), TIMEOUT_SECONDS).expectSuccess("the Python client").stdout();

    assertTrue(out.contains("templates: " + TEMPLATE), out);
    assertTrue(out.contains("ready: python-client-claim"), out);
    assertTrue(out.contains("deleted: python-client-claim"), out);
  }

  @Test
  void kubectlAppliesWatchesWaitsForAndDeletesAClaim() throws IOException {
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    ExternalClients.Kubectl kubectl = new ExternalClients.Kubectl(ExternalClients.kubectl(), kubeconfig);
    Path claim = Files.writeString(dir.resolve("claim.yaml"), ExternalClients.claimYaml("kubectl-claim", TEMPLATE));

    String version = kubectl.run("version", "-o", "json").stdout();
    assertTrue(version.matches("(?s).*\"serverVersion\"\\s*:\\s*\\{.*\"gitVersion\"\\s*:\\s*\"v1\\..*"), version);
    String resources = kubectl.run("api-resources", "--api-group=extensions.agents.x-k8s.io").stdout();
    assertTrue(resources.contains("sandboxclaims") && resources.contains("SandboxClaim"), resources);

    assertTrue(kubectl.run("apply", "-f", claim.toString()).stdout().contains("created"));
    assertTrue(kubectl.run("get", "sandboxclaims").stdout().contains("kubectl-claim"));
    assertTrue(kubectl.run("wait", "--for=condition=Ready", "sandboxclaim/kubectl-claim", "--timeout=60s")
        .stdout().contains("condition met"));
    assertTrue(kubectl.run("get", "sandbox", "kubectl-claim", "-o", "name").stdout()
        .contains("sandbox.agents.x-k8s.io/kubectl-claim"));
    String described = kubectl.run("describe", "sandboxclaim", "kubectl-claim").stdout();
    assertTrue(described.contains("SandboxProvisioned"), "the controller's events: " + described);
    String pods = kubectl.run("get", "pod", "kubectl-claim").stdout();
    assertTrue(pods.contains("READY") && pods.contains("STATUS") && pods.contains("Running"), pods);
    // The runtime's access log: its readiness probes at least.
    String logs = kubectl.run("logs", "kubectl-claim", "--tail=1").stdout();
    assertTrue(logs.contains("\"GET / HTTP/1.1\" 200"), logs);

    assertTrue(kubectl.run("delete", "-f", claim.toString()).stdout().contains("deleted"));
    ExternalClients.Result gone = kubectl.attempt("get", "sandboxclaim", "kubectl-claim");
    assertNotEquals(0, gone.exitCode());
    assertTrue(gone.stderr().contains("NotFound"), gone.stderr());
  }

  @Test
  void kubectlExecRunsACommandInASandboxPodAndReportsItsExitCode() throws IOException {
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    ExternalClients.Kubectl kubectl = new ExternalClients.Kubectl(ExternalClients.kubectl(), kubeconfig);
    Path claim = Files.writeString(dir.resolve("exec-claim.yaml"), ExternalClients.claimYaml("exec-claim", TEMPLATE));
    kubectl.run("apply", "-f", claim.toString());
    try {
      kubectl.run("wait", "--for=condition=Ready", "sandboxclaim/exec-claim", "--timeout=60s");
      ExternalClients.Result result = kubectl.attempt("exec", "exec-claim", "--", "sh", "-c",
          "echo \"it's\" $((6 * 7)); echo to stderr >&2; exit 3");
      assertEquals(3, result.exitCode(), result.stderr());
      assertEquals("it's 42\n", result.stdout(), "quotes and spaces reach the command unchanged");
      assertTrue(result.stderr().contains("to stderr"), result.stderr());
      // Run through the runtime's /execute (SPDY, kubectl before 1.30) or live through its
      // process API (WebSocket): the pod's log shows the request either way.
      String log = kubectl.run("logs", "exec-claim").stdout();
      assertTrue(log.contains("\"POST /execute HTTP/1.1\" 200")
          || log.contains("\"POST /process.v1.ProcessService/Start HTTP/2.0\" 200"), log);
    } finally {
      kubectl.run("delete", "-f", claim.toString());
    }
  }

  @Test
  void fabric8ExecAndLogsReachTheSandboxOfAClient(SandboxClient sandbox, KubernetesClient kubernetes) throws Exception {
    String pod = sandbox.podName();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch exec = kubernetes.pods().inNamespace("default").withName(pod)
        .writingOutput(out).writingError(err).exec("sh", "-c", "echo out; echo err >&2; exit 4")) {
      assertEquals(4, exec.exitCode().get(60, TimeUnit.SECONDS));
    }
    assertEquals("out\n", out.toString(StandardCharsets.UTF_8));
    assertEquals("err\n", err.toString(StandardCharsets.UTF_8));

    sandbox.run("true");
    assertTrue(kubernetes.pods().inNamespace("default").withName(pod).getLog()
        .contains("\"POST /execute HTTP/1.1\" 200"));
  }

  @Test
  void kubectlAppliesTheRouterManifestsTwiceOverTheClustersOwnService() {
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    ExternalClients.Kubectl kubectl = new ExternalClients.Kubectl(ExternalClients.kubectl(), kubeconfig);
    Path service = Path.of("..", "sandbox-router", "deploy", "30-service.yaml").toAbsolutePath().normalize();
    Path deployment = Path.of("..", "sandbox-router", "deploy", "40-deployment.yaml").toAbsolutePath().normalize();

    // The cluster made sandbox-router-svc itself, so the first apply patches it (strategic merge).
    kubectl.run("apply", "-f", service.toString(), "-f", deployment.toString());
    String again = kubectl.run("apply", "-f", service.toString(), "-f", deployment.toString())
        .stdout();
    assertTrue(again.contains("service/sandbox-router-svc unchanged"), again);
    assertTrue(again.contains("deployment.apps/sandbox-router-deployment unchanged"), again);

    String pods = kubectl.run("get", "pods", "-l", "app=sandbox-router").stdout();
    assertTrue(pods.contains("Running"), "the service's selector finds the cluster's router pods: " + pods);
    kubectl.run("delete", "-f", deployment.toString());
  }

  @Test
  void kubectlPortForwardCarriesTheTutorialsRequestToTheSandbox() throws Exception {
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    ExternalClients.Kubectl kubectl = new ExternalClients.Kubectl(ExternalClients.kubectl(), kubeconfig);
    Path claim = Files.writeString(dir.resolve("pf-claim.yaml"), ExternalClients.claimYaml("pf-claim", TEMPLATE));
    kubectl.run("apply", "-f", claim.toString());
    Process forward = kubectl.start("port-forward", "svc/sandbox-router-svc", ":8080");
    OkHttpClient http = new OkHttpClient();
    try {
      kubectl.run("wait", "--for=condition=Ready", "sandboxclaim/pf-claim", "--timeout=60s");
      int port = ExternalClients.forwardedPort(forward, 8080).get(60, TimeUnit.SECONDS);
      // The tutorial's request: the router finds the sandbox by the X-Sandbox-* headers.
      Request request = new Request.Builder().url("http://127.0.0.1:" + port + "/execute")
          .header("X-Sandbox-ID", "pf-claim").header("X-Sandbox-Namespace", "default").header("X-Sandbox-Port", "8888")
          .header("Authorization", "Bearer " + cluster.routerAuthToken())
          .post(RequestBody.create("{\"command\": \"echo hello through kubectl\"}", MediaType.get("application/json")))
          .build();
      try (Response response = http.newCall(request).execute()) {
        assertEquals(200, response.code());
        assertTrue(response.body().string().contains("hello through kubectl"));
      }
    } finally {
      forward.destroyForcibly();
      forward.waitFor(10, TimeUnit.SECONDS);
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      kubectl.run("delete", "-f", claim.toString());
    }
  }


}
