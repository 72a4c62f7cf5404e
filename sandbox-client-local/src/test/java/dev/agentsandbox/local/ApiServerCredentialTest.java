package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.runtime.IsolationPolicy;
import dev.agentsandbox.runtime.OtherUser;
import dev.agentsandbox.runtime.OtherUser.Result;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded API server, on loopback where every local user can connect, serves only clients
 * that present the cluster's bearer token: its own components and whoever can read its
 * kubeconfig.
 */
class ApiServerCredentialTest {
  private static final String NAMESPACE = "default";
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CLAIM = "{\"apiVersion\":\"extensions.agents.x-k8s.io/v1alpha1\","
      + "\"kind\":\"SandboxClaim\",\"metadata\":{\"name\":\"%s\"},"
      + "\"spec\":{\"sandboxTemplateRef\":{\"name\":\"python-runtime-template\"}}}";
  private static final String CLAIMS_PATH =
      "/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/" + NAMESPACE + "/sandboxclaims";

  private static LocalSandboxCluster cluster;
  private static OkHttpClient http;

  @TempDir
  Path dir;

  @BeforeAll
  static void startCluster() {
    cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
    try (InputStream yaml = ApiServerCredentialTest.class.getResourceAsStream("/python-runtime-template.yaml")) {
      cluster.apply(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).followRedirects(false).build();
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
  void R8_apiServerRefusesRequestsWithoutTheClusterCredential() throws Exception {
    String routerPod = cluster.client().pods().inNamespace(NAMESPACE).withLabel("app", "sandbox-router")
        .list().getItems().get(0).getMetadata().getName();
    String portForward = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + routerPod + "/portforward?ports="
        + LocalSandboxCluster.ROUTER_PORT;
    String token = tokenOf(cluster.writeKubeconfig(dir.resolve("kubeconfig")));

    for (String authorization : List.of("", "Bearer wrong", "Bearer " + token + "x", token,
        "Basic " + token)) {
      for (String path : List.of("/api", "/apis", "/version", "/api/v1/namespaces/" + NAMESPACE + "/pods",
          "/api/v1/namespaces/" + NAMESPACE + "/pods?watch=true", CLAIMS_PATH)) {
        try (Response response = http.newCall(request(path, authorization).build()).execute()) {
          assertUnauthorized(response, path + " with '" + authorization + "'");
        }
      }
      try (Response response = http.newCall(request(CLAIMS_PATH, authorization)
          .post(RequestBody.create(String.format(CLAIM, "tokenless"), JSON)).build()).execute()) {
        assertUnauthorized(response, "creating a claim");
      }
      assertEquals(401, upgrade("/api/v1/namespaces/" + NAMESPACE + "/pods?watch=true", authorization),
          "a watch over WebSocket");
      assertEquals(401, upgrade(portForward, authorization), "a port-forward to the router");
    }
    assertTrue(cluster.client().resources(dev.agentsandbox.model.v1alpha1.SandboxClaim.class)
        .inNamespace(NAMESPACE).withName("tokenless").get() == null, "a claim was created without the credential");

    // The same requests with the kubeconfig's token are served; header names ignore case.
    try (Response response = http.newCall(request("/api/v1/namespaces/" + NAMESPACE + "/pods",
        "Bearer " + token).build()).execute()) {
      assertEquals(200, response.code());
    }
    try (Response response = http.newCall(new Request.Builder().url(cluster.url() + "/api")
        .header("authorization", "Bearer " + token).build()).execute()) {
      assertEquals(200, response.code());
    }
    assertEquals(101, upgrade(portForward, "Bearer " + token), "a port-forward with the token");
    assertEquals(101, upgrade("/api/v1/namespaces/" + NAMESPACE + "/pods?watch=true", "Bearer " + token),
        "a watch with the token");

    // A fabric8 client from the kubeconfig works; one pointed at the URL alone does not.
    Config fromFile = Config.fromKubeconfig(dir.resolve("kubeconfig").toFile());
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(fromFile).build()) {
      assertFalse(client.pods().inNamespace(NAMESPACE).list().getItems().isEmpty());
    }
    Config urlOnly = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.url()).build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(urlOnly).build()) {
      KubernetesClientException refused = assertThrows(KubernetesClientException.class,
          () -> client.pods().inNamespace(NAMESPACE).list());
      assertEquals(401, refused.getCode());
    }
  }

  @Test
  void R8_kubeconfigIsReadableByItsOwnerOnly() throws Exception {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
    Path kubeconfig = dir.resolve("kubeconfig");
    // A file that was there before, readable by everyone, is replaced, not rewritten.
    Files.writeString(kubeconfig, "old", java.nio.file.StandardOpenOption.CREATE_NEW);
    Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));

    cluster.writeKubeconfig(kubeconfig);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig)));
    try (var files = Files.list(dir)) {
      assertEquals(List.of(kubeconfig), files.toList(), "only the kubeconfig is left in its directory");
    }
  }

  @Test
  void R8_anotherLocalUserCannotReachTheApiServer() throws Exception {
    assumeTrue(OtherUser.unavailable().isEmpty(),
        () -> "no second local user: " + OtherUser.unavailable().orElse(""));
    Path curl = Path.of("/usr/bin/curl");
    assumeTrue(Files.isExecutable(curl), "curl is needed as the other user's client");
    // The directory is open to everyone, as a home directory often is: only the file's own
    // permissions keep the token from the other user.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    String claimName = "other-user-claim";

    Result read = OtherUser.run(OtherUser.command(List.of("/bin/cat", kubeconfig.toString())), dir, 30);
    Result list = OtherUser.run(OtherUser.command(List.of(curl.toString(), "-s", "-o", "/dev/null",
        "-w", "%{http_code}", cluster.url() + CLAIMS_PATH)), dir, 30);
    Result create = OtherUser.run(OtherUser.command(List.of(curl.toString(), "-s", "-o", "/dev/null",
        "-w", "%{http_code}", "-H", "Content-Type: application/json",
        "--data", String.format(CLAIM, claimName), cluster.url() + CLAIMS_PATH)), dir, 30);

    assertNotEquals(0, read.exitCode(), "the other user read the kubeconfig");
    assertTrue(read.output().contains("Permission denied"), read.output());
    assertFalse(read.output().contains(tokenOf(kubeconfig)), "the other user saw the token");
    assertEquals("401", list.output().trim());
    assertEquals("401", create.output().trim());
    assertTrue(cluster.client().resources(dev.agentsandbox.model.v1alpha1.SandboxClaim.class)
        .inNamespace(NAMESPACE).withName(claimName).get() == null, "the other user created a claim");
  }

  @Test
  void R8_kubectlUsesTheKubeconfigOfAClusterServingHttps() throws Exception {
    Path kubectl = Path.of("/usr/bin/kubectl");
    assumeTrue(Files.isExecutable(kubectl), "kubectl is not installed");
    // kubectl (client-go) sends the kubeconfig's token only over HTTPS.
    try (LocalSandboxCluster tls = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE)
        .apiServerTls(true).routerNamespaces().controller(false).start()) {
      assertTrue(tls.url().startsWith("https://127.0.0.1:"), tls.url());
      Path kubeconfig = tls.writeKubeconfig(dir.resolve("tls-kubeconfig"));

      String crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
      Result withKubeconfig = run(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString(),
          "get", "--raw", crds));
      Result withoutToken = run(List.of(kubectl.toString(), "--kubeconfig", "/dev/null",
          "--server", tls.url(), "--insecure-skip-tls-verify", "get", "--raw", crds));

      assertEquals(0, withKubeconfig.exitCode(), withKubeconfig.output());
      assertTrue(withKubeconfig.output().contains("sandboxclaims.extensions.agents.x-k8s.io"),
          withKubeconfig.output());
      assertNotEquals(0, withoutToken.exitCode(), withoutToken.output());
      // (kubectl asks for a user name on a 401, and fails as there is no terminal.)
      assertFalse(withoutToken.output().contains("sandboxclaims.extensions.agents.x-k8s.io"), withoutToken.output());
      Config fromFile = Config.fromKubeconfig(kubeconfig.toFile());
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(fromFile).build()) {
        assertTrue(client.apiextensions().v1().customResourceDefinitions().list().getItems().size() >= 4);
      }
    }
  }

  private Result run(List<String> argv) throws IOException, InterruptedException {
    // Output to a file: a pipe nobody reads while the process runs would stall a long output.
    Path output = Files.createTempFile(dir, "output", ".txt");
    Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), argv + " did not finish");
      return new Result(process.exitValue(), Files.readString(output));
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void R8_theClientsConfigurationDoesNotShowTheToken() {
    String token = tokenOf(cluster.writeKubeconfig(dir.resolve("kubeconfig")));
    assertFalse(cluster.client().getConfiguration().toString().contains(token));
  }

  @Test
  void R8_sandboxedCommandsDoNotGetTheClusterCredential() {
    String token = tokenOf(cluster.writeKubeconfig(dir.resolve("kubeconfig")));
    try (SandboxClient sandbox = SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .templateName("python-runtime-template").namespace(NAMESPACE).build()) {
      // The command's environment, and the environment and command line of the process that
      // started it.
      String seen = sandbox.run("sh -c 'env; cat /proc/$PPID/environ /proc/$PPID/cmdline | tr \"\\0\" \"\\n\"'")
          .stdout();
      assertTrue(seen.contains("PATH="), seen);
      assertFalse(seen.contains(token), "a sandboxed command got the API server's token");
    }
  }

  private static Request.Builder request(String path, String authorization) {
    Request.Builder request = new Request.Builder().url(cluster.url() + path);
    if (!authorization.isEmpty()) {
      request.header("Authorization", authorization);
    }
    return request;
  }

  private static void assertUnauthorized(Response response, String what) throws IOException {
    assertEquals(401, response.code(), what);
    JsonNode status = MAPPER.readTree(response.body().string());
    assertEquals("Status", status.path("kind").asText(), what);
    assertEquals("v1", status.path("apiVersion").asText(), what);
    assertEquals("Failure", status.path("status").asText(), what);
    assertEquals("Unauthorized", status.path("reason").asText(), what);
    assertEquals(401, status.path("code").asInt(), what);
  }

  /** The HTTP status of a WebSocket upgrade request: 101 if the server switched protocols. */
  private static int upgrade(String path, String authorization) throws Exception {
    CompletableFuture<Integer> code = new CompletableFuture<>();
    Request request = request(path, authorization)
        .header("Sec-WebSocket-Protocol", "v4.channel.k8s.io").build();
    WebSocket socket = http.newWebSocket(request, new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        code.complete(response.code());
        webSocket.close(1000, null);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable error, Response response) {
        if (response != null) {
          code.complete(response.code());
        } else {
          code.completeExceptionally(error);
        }
      }
    });
    try {
      return code.get(30, TimeUnit.SECONDS);
    } finally {
      socket.cancel();
    }
  }

  private static String tokenOf(Path kubeconfig) {
    String token;
    try {
      token = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(Files.readString(kubeconfig),
          io.fabric8.kubernetes.api.model.Config.class).getUsers().get(0).getUser().getToken();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertTrue(token != null && token.length() >= 43, "the kubeconfig holds a 256-bit token");
    return token;
  }
}
