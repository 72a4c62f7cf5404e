package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.InvalidSandboxPathException;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxReadyTimeoutException;
import dev.agentsandbox.client.TemplateNotFoundException;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The SDK against a whole cluster: the embedded API server, the controller, the router pod
 * behind {@code sandbox-router-svc} and a runtime per sandbox pod, reached the way a user
 * reaches a real cluster.
 */
@SandboxTest
@SandboxTemplate(resource = "python-runtime-template.yaml")
@SandboxTemplate(resource = "never-ready-template.yaml")
class SandboxClientEndToEndTest {
  private static final String NAMESPACE = "default";
  private static final String TEMPLATE = "python-runtime-template";
  private static final String NEVER_READY_TEMPLATE = "never-ready-template";

  private static LocalSandboxCluster cluster;

  @Test
  void tutorialCommandPrintsItsGreetingThroughTheDefaultTunnel() {
    try (SandboxClient sandbox = SandboxClient.builder()
        .kubernetesClient(cluster.client())
        .connection(cluster.tunnel())
        .templateName(TEMPLATE)
        .namespace(NAMESPACE)
        .build()) {
      ExecutionResult result = sandbox.run("echo 'Hello from the sandboxed environment!'");

      assertEquals("Hello from the sandboxed environment!\n", result.stdout());
      assertEquals("", result.stderr());
      assertEquals(0, result.exitCode());
      assertEquals(TEMPLATE, sandbox.templateName());
      assertTrue(sandbox.claimName().matches("sandbox-claim-[0-9a-f]{8}"), sandbox.claimName());
    }
  }

  @Test
  void writeThenReadReturnsExactlyTheBytesWritten() throws Exception {
    byte[] everyByte = new byte[256];
    for (int i = 0; i < everyByte.length; i++) {
      everyByte[i] = (byte) i;
    }
    byte[] large = new byte[10 * 1024 * 1024];
    new Random(42).nextBytes(large);

    try (SandboxClient sandbox = newSandbox()) {
      sandbox.write("every-byte.bin", everyByte);
      sandbox.write("empty.bin", new byte[0]);
      sandbox.write("dir/sub/x.bin", everyByte);
      sandbox.write("large.bin", large);

      assertArrayEquals(everyByte, sandbox.read("every-byte.bin"));
      assertArrayEquals(new byte[0], sandbox.read("empty.bin"));
      assertArrayEquals(everyByte, sandbox.read("dir/sub/x.bin"));
      assertArrayEquals(everyByte, sandbox.read("/dir/sub/x.bin"), "a leading / is the base directory");
      assertEquals(sha256(large), sha256(sandbox.read("large.bin")));
      // What landed on the sandbox's disk, as the sandbox's own tools see it.
      ExecutionResult sum = sandbox.run("sha256sum large.bin");
      assertEquals(0, sum.exitCode(), sum.stderr());
      assertEquals(sha256(large) + "  large.bin\n", sum.stdout());
    }
  }

  @Test
  void fileNamesWithSpacesPunctuationAndNonAsciiLettersRoundTrip() {
    String file = "a b+c#d?e%f&g'h@i~j$k\\l ä€😀.txt";
    try (SandboxClient sandbox = newSandbox()) {
      sandbox.write("odd names/" + file, "odd");

      assertEquals("odd", new String(sandbox.read("odd names/" + file), StandardCharsets.UTF_8));
      assertTrue(sandbox.exists("odd names/" + file));
      assertEquals(List.of(file), sandbox.list("odd names").stream().map(FileEntry::name).toList());
      // POSIX quoting, as the runtime splits words: '...' with each ' written as '\''.
      String quoted = "'odd names/" + file.replace("'", "'\\''") + "'";
      assertEquals("odd", sandbox.run("cat " + quoted).stdout());
      // A multipart filename cannot carry a double quote: refused rather than stored as %22.
      assertThrows(InvalidSandboxPathException.class, () -> sandbox.write("say \"hi\".txt", "x"));
    }
  }

  @Test
  void fileNamesWithHeaderSeparatorsRoundTrip() {
    try (SandboxClient sandbox = newSandbox()) {
      for (String name : List.of("a;b", "a=b", "a:b", "a,b", "a; filename=b", "dir;x/a=b,c:d")) {
        sandbox.write(name, name);

        assertEquals(name, new String(sandbox.read(name), StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void writeReplacesAnExistingFile() {
    try (SandboxClient sandbox = newSandbox()) {
      sandbox.write("notes.txt", "a first version that is longer");
      sandbox.write("notes.txt", "second");

      assertEquals("second", new String(sandbox.read("notes.txt"), StandardCharsets.UTF_8));
    }
  }

  @Test
  void listAndExistsDescribeFilesAndDirectories() {
    try (SandboxClient sandbox = newSandbox()) {
      sandbox.write("listing/a.txt", "hello");
      sandbox.write("listing/sub/b.txt", "b");

      List<FileEntry> entries = sandbox.list("listing");
      Map<String, FileEntry> byName = entries.stream()
          .collect(Collectors.toMap(FileEntry::name, e -> e));
      assertEquals(Set.of("a.txt", "sub"), byName.keySet());
      FileEntry file = byName.get("a.txt");
      assertEquals(FileEntry.Type.FILE, file.type());
      assertEquals(5, file.size());
      assertFalse(file.isDirectory());
      assertEquals(FileEntry.Type.DIRECTORY, byName.get("sub").type());
      assertTrue(byName.get("sub").isDirectory());
      assertEquals(List.of("b.txt"), sandbox.list("listing/sub").stream().map(FileEntry::name).toList());
      assertTrue(sandbox.list("").stream().anyMatch(e -> e.name().equals("listing") && e.isDirectory()),
          "the base directory lists the new directory");

      assertTrue(sandbox.exists("listing/a.txt"));
      assertTrue(sandbox.exists("listing/sub"));
      assertFalse(sandbox.exists("listing/missing.txt"));
      assertFalse(sandbox.exists("nowhere/at/all"));

      assertThrows(SandboxFileNotFoundException.class, () -> sandbox.read("listing/missing.txt"));
      assertThrows(SandboxFileNotFoundException.class, () -> sandbox.list("listing/a.txt"));
    }
  }

  @Test
  void nonZeroExitCodeAndStderrComeBackIntact() {
    try (SandboxClient sandbox = newSandbox()) {
      ExecutionResult result = sandbox.run("sh -c 'echo out; echo err >&2; exit 3'");

      assertEquals("out\n", result.stdout());
      assertEquals("err\n", result.stderr());
      assertEquals(3, result.exitCode());
      assertFalse(result.succeeded());
    }
  }

  @Test
  void missingProgramIsAFailedResultNotAnException() {
    try (SandboxClient sandbox = newSandbox()) {
      ExecutionResult result = sandbox.run("no-such-program-" + UUID.randomUUID() + " --flag");

      assertEquals(1, result.exitCode());
      assertTrue(result.stderr().startsWith("Failed to execute command:"), result.stderr());
      assertEquals("", result.stdout());
      assertEquals("still usable\n", sandbox.run("echo still usable").stdout());
    }
  }

  @Test
  void missingTemplateFailsFastAndLeavesNoClaim() {
    long started = System.nanoTime();
    TemplateNotFoundException e = assertThrows(TemplateNotFoundException.class,
        () -> SandboxClient.builder()
            .kubernetesClient(cluster.client())
            .templateName("no-such-template")
            .build());
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

    // Acceptance requirement: a misspelt template is reported at once, not after readyTimeout.
    assertTrue(elapsed.compareTo(Duration.ofSeconds(2)) < 0, "took " + elapsed);
    assertEquals("no-such-template", e.templateName());
    String claimName = e.claimName().orElseThrow();
    assertEquals(NAMESPACE, e.namespace().orElseThrow());
    assertNull(claims().withName(claimName).get(), "claim " + claimName + " was left behind");
    assertClaimsForTemplateGone("no-such-template");
  }

  @Test
  void readinessTimeoutGivesSandboxReadyTimeoutExceptionAndLeavesNoClaim() {
    SandboxReadyTimeoutException e = assertThrows(SandboxReadyTimeoutException.class,
        () -> SandboxClient.builder()
            .kubernetesClient(cluster.client())
            .templateName(NEVER_READY_TEMPLATE)
            .readyTimeout(Duration.ofSeconds(2))
            .build());

    assertEquals(Duration.ofSeconds(2), e.timeout());
    String claimName = e.claimName().orElseThrow();
    assertNull(claims().withName(claimName).get(), "claim " + claimName + " was left behind");
    assertClaimsForTemplateGone(NEVER_READY_TEMPLATE);
  }

  @Test
  void escapingPathsAreRefusedBeforeAnyRequestIsSent() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer router = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    router.createContext("/", exchange -> {
      requests.incrementAndGet();
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    });
    router.start();
    try (SandboxClient sandbox = SandboxClient.builder()
        .kubernetesClient(cluster.client())
        .templateName(TEMPLATE)
        .connection(ConnectionMode.direct("http://127.0.0.1:" + router.getAddress().getPort()))
        .build()) {
      for (String path : List.of("../x", "/abs/../../x", "a/../../x", "..", "dir/..", "x\0y")) {
        assertRefused(path, p -> sandbox.write(p, "data"));
        assertRefused(path, sandbox::read);
        assertRefused(path, sandbox::list);
        assertRefused(path, sandbox::exists);
      }
      assertEquals(0, requests.get(), "no request may reach the router");
    } finally {
      router.stop(0);
    }
  }

  @Test
  void runtimeAnswers403ToEscapingPathsWhenReachedDirectly() throws Exception {
    OkHttpClient http = new OkHttpClient();
    // Straight to the pod, past the client's path checks and the router: through a port-forward,
    // since the runtime serves only the cluster's components.
    try (SandboxClient sandbox = newSandbox();
        LocalPortForward forward = cluster.client().pods().inNamespace(NAMESPACE)
            .withName(sandbox.sandboxName()).portForward(8888)) {
      String runtime = "http://127.0.0.1:" + forward.getLocalPort();

      try (Response response = http.newCall(new Request.Builder()
          .url(runtime + "/download/..%2F..%2Fetc%2Fpasswd").build()).execute()) {
        assertEquals(403, response.code());
        assertFalse(response.body().string().contains("root:"));
      }
      RequestBody upload = new MultipartBody.Builder().setType(MultipartBody.FORM)
          .addFormDataPart("file", "../../escaped-" + UUID.randomUUID(),
              RequestBody.create("x", MediaType.get("text/plain")))
          .build();
      try (Response response = http.newCall(new Request.Builder().url(runtime + "/upload").post(upload)
          .build()).execute()) {
        assertEquals(403, response.code());
      }
      // Control: the same runtime serves a file inside its base directory.
      sandbox.write("inside.txt", "ok");
      try (Response response = http.newCall(new Request.Builder().url(runtime + "/download/inside.txt")
          .build()).execute()) {
        assertEquals(200, response.code());
        assertEquals("ok", response.body().string());
      }
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  @Test
  void directModeReachesTheRouterPodByUrl() {
    Pod router = cluster.client().pods().inNamespace(NAMESPACE).withLabel("app", "sandbox-router")
        .list().getItems().get(0);
    String url = "http://" + router.getStatus().getPodIP() + ":" + LocalSandboxCluster.ROUTER_PORT;
    try (SandboxClient sandbox = SandboxClient.builder()
        .kubernetesClient(cluster.client())
        .templateName(TEMPLATE)
        .connection(ConnectionMode.direct(url).withAuthToken(cluster.routerAuthToken()))
        .build()) {
      ExecutionResult result = sandbox.run("echo direct");

      assertEquals("direct\n", result.stdout());
      assertEquals(0, result.exitCode());
      sandbox.write("direct.txt", "via url");
      assertEquals("via url", new String(sandbox.read("direct.txt"), StandardCharsets.UTF_8));
    }
  }

  @Test
  void twoClientsGetDistinctSandboxesWhoseFilesDoNotCollide() {
    try (SandboxClient first = newSandbox(); SandboxClient second = newSandbox()) {
      assertNotEquals(first.claimName(), second.claimName());
      assertNotEquals(first.sandboxName(), second.sandboxName());

      first.write("same/path.txt", "first");
      second.write("same/path.txt", "second");

      assertEquals("first", new String(first.read("same/path.txt"), StandardCharsets.UTF_8));
      assertEquals("second", new String(second.read("same/path.txt"), StandardCharsets.UTF_8));
      assertEquals("first", first.run("cat same/path.txt").stdout());
      assertEquals("second", second.run("cat same/path.txt").stdout());
    }
  }

  @Test
  void isolatedCommandsCannotWriteTheHostOrUseTheNetwork() throws Exception {
    assumeTrue(cluster.isolation().startsWith("bubblewrap"),
        () -> "commands are not isolated here: " + cluster.isolation());
    String marker = "escape-" + UUID.randomUUID();
    Path home = Path.of(System.getProperty("user.home"), marker);
    Path varTmp = Path.of("/var/tmp", marker);
    try (SandboxClient sandbox = newSandbox()) {
      ExecutionResult inside = sandbox.run("sh -c 'echo x > inside.txt'");
      assertEquals(0, inside.exitCode(), "the sandbox's own directory is writable: " + inside.stderr());

      for (Path target : List.of(home, varTmp)) {
        ExecutionResult outside = sandbox.run("sh -c 'echo x > " + target + "'");
        assertNotEquals(0, outside.exitCode(), "wrote " + target);
        assertFalse(Files.exists(target), target + " exists on the host");
      }

      ExecutionResult net = sandbox.run("cat /proc/net/dev");
      assertEquals(0, net.exitCode(), net.stderr());
      Set<String> interfaces = net.stdout().lines()
          .filter(line -> line.contains(":"))
          .map(line -> line.substring(0, line.indexOf(':')).trim())
          .collect(Collectors.toSet());
      assertEquals(Set.of("lo"), interfaces, net.stdout());
    } finally {
      Files.deleteIfExists(home);
      Files.deleteIfExists(varTmp);
    }
  }

  private static SandboxClient newSandbox() {
    return SandboxClient.builder()
        .kubernetesClient(cluster.client())
        .connection(cluster.tunnel())
        .templateName(TEMPLATE)
        .build();
  }

  private static void assertRefused(String path, Consumer<String> operation) {
    InvalidSandboxPathException e = assertThrows(InvalidSandboxPathException.class,
        () -> operation.accept(path), () -> "path " + path.replace("\0", "\\0"));
    assertEquals(path, e.path());
  }

  private static NonNamespaceOperation<SandboxClaim, KubernetesResourceList<SandboxClaim>,
      Resource<SandboxClaim>> claims() {
    return cluster.client().resources(SandboxClaim.class).inNamespace(NAMESPACE);
  }

  private static void assertClaimsForTemplateGone(String template) {
    List<String> left = claims().list().getItems().stream()
        .filter(c -> c.getSpec() != null && c.getSpec().sandboxTemplateRef() != null
            && template.equals(c.getSpec().sandboxTemplateRef().name()))
        .map(c -> c.getMetadata().getName())
        .toList();
    assertEquals(List.of(), left, "claims left for template " + template);
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
