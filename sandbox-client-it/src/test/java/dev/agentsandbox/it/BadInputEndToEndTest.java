package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ClaimNotFoundException;
import dev.agentsandbox.client.InvalidSandboxPathException;
import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxReadyTimeoutException;
import dev.agentsandbox.client.TemplateNotFoundException;
import dev.agentsandbox.client.WarmPool;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.testing.Isolation;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import dev.agentsandbox.testing.TestSandbox;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad values given to the SDK against a whole cluster: each fails with its own exception, whose
 * message names what was wrong, and none leaves a claim behind, whether it was refused before
 * anything was sent or only once the cluster could tell.
 */
@SandboxTest(isolation = Isolation.NONE, commandLauncher = false)
@SandboxTemplate(resource = "python-runtime-template.yaml")
@SandboxTemplate(resource = "never-ready-template.yaml")
class BadInputEndToEndTest {
  private static final String TEMPLATE = "python-runtime-template";
  private static final String CRLF = "\r\n";

  private static LocalSandboxCluster cluster;
  @TestSandbox(template = TEMPLATE)
  private static SandboxClient sandbox;
  private static SandboxFleet fleet;

  @BeforeAll
  static void writeAFile() {
    sandbox.write("dir/file.txt", "x");
  }

  @AfterEach
  void noClaimIsLeft() {
    List<String> claims = cluster.client().resources(SandboxClaim.class).inAnyNamespace().list().getItems().stream()
        .map(c -> c.getMetadata().getNamespace() + "/" + c.getMetadata().getName()).toList();
    assertEquals(List.of("default/" + sandbox.claimName()), claims);
  }

  /** Something to do with the SDK that must fail. */
  interface BadCall {
    void run() throws Exception;
  }

  private static Arguments bad(String what, Class<? extends Exception> expected, String messagePart, BadCall call) {
    return Arguments.of(what, expected, messagePart, call);
  }

  private static SandboxClient.Builder builder() {
    return SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel()).templateName(TEMPLATE);
  }

  static Stream<Arguments> badInputs() {
    Class<IllegalArgumentException> iae = IllegalArgumentException.class;
    Class<NullPointerException> npe = NullPointerException.class;
    Class<InvalidSandboxPathException> path = InvalidSandboxPathException.class;
    Class<SandboxFileNotFoundException> missing = SandboxFileNotFoundException.class;
    byte[] x = {'x'};
    return Stream.of(
        // Refused by a setter: nothing is created.
        bad("null template", npe, "templateName", () -> builder().templateName(null)),
        bad("empty template", iae, "templateName", () -> builder().templateName("")),
        bad("uppercase template", iae, "templateName", () -> builder().templateName("Python")),
        bad("template with underscore", iae, "templateName", () -> builder().templateName("python_runtime")),
        bad("template of 254 characters", iae, "templateName", () -> builder().templateName("a".repeat(254))),
        bad("template with CRLF", iae, "templateName", () -> builder().templateName("python" + CRLF + "X-Evil: 1")),
        bad("template starting with a dash", iae, "templateName", () -> builder().templateName("-python")),
        bad("null namespace", npe, "namespace", () -> builder().namespace(null)),
        bad("empty namespace", iae, "namespace", () -> builder().namespace("")),
        bad("uppercase namespace", iae, "namespace", () -> builder().namespace("Default")),
        bad("namespace of 64 characters", iae, "namespace", () -> builder().namespace("a".repeat(64))),
        bad("namespace with a dot", iae, "namespace", () -> builder().namespace("team.a")),
        bad("namespace with LF", iae, "namespace", () -> builder().namespace("default\n")),
        bad("label key with CRLF", iae, "label key", () -> builder().labels(Map.of("team" + CRLF, "a"))),
        bad("label value with LF", iae, "invalid value", () -> builder().labels(Map.of("team", "a\nb"))),
        bad("empty label key", iae, "label key", () -> builder().labels(Map.of("", "a"))),
        bad("label key of 64 characters", iae, "label key", () -> builder().labels(Map.of("a".repeat(64), "x"))),
        bad("label value of 64 characters", iae, "invalid value",
            () -> builder().labels(Map.of("team", "x".repeat(64)))),
        bad("created-by label", iae, "created-by", () -> builder().labels(Map.of("agents.x-k8s.io/created-by", "x"))),
        bad("zero ready timeout", iae, "readyTimeout", () -> builder().readyTimeout(Duration.ZERO)),
        bad("negative ready timeout", iae, "readyTimeout", () -> builder().readyTimeout(Duration.ofMillis(-1))),
        bad("ready timeout of two days", iae, "readyTimeout", () -> builder().readyTimeout(Duration.ofDays(2))),
        bad("zero connect timeout", iae, "connectTimeout", () -> builder().connectTimeout(Duration.ZERO)),
        bad("negative read timeout", iae, "readTimeout", () -> builder().readTimeout(Duration.ofSeconds(-1))),
        bad("zero run timeout", iae, "runTimeout", () -> builder().runTimeout(Duration.ZERO)),
        bad("zero response size", iae, "maxResponseSize", () -> builder().maxResponseSize(0)),
        bad("negative response size", iae, "maxResponseSize", () -> builder().maxResponseSize(-1)),
        bad("port 0", iae, "sandboxPort", () -> builder().sandboxPort(0)),
        bad("port 65536", iae, "sandboxPort", () -> builder().sandboxPort(65536)),
        bad("zero ttl", iae, "ttl", () -> builder().ttl(Duration.ZERO)),
        bad("negative ttl", iae, "ttl", () -> builder().ttl(Duration.ofSeconds(-5))),
        bad("env name starting with a digit", iae, "environment variable name", () -> builder().env("1A", "x")),
        bad("env name with =", iae, "environment variable name", () -> builder().env("A=B", "x")),
        bad("env name with CRLF", iae, "environment variable name", () -> builder().env("A" + CRLF, "x")),
        bad("env set twice", iae, "already set", () -> builder().env("A", "1").env("A", "2")),
        bad("warm pool name with uppercase", iae, "warm pool name", () -> WarmPool.named("Fast")),
        bad("warm pool name with CRLF", iae, "warm pool name", () -> WarmPool.named("fast" + CRLF)),
        bad("null connection", npe, "connection", () -> builder().connection(null)),
        bad("null Kubernetes client", npe, "kubernetesClient", () -> builder().kubernetesClient(null)),
        bad("retry policy of 0 attempts", iae, "maxAttempts", () -> RetryPolicy.of(0, Duration.ZERO, Duration.ZERO)),
        bad("retry policy of 101 attempts", iae, "maxAttempts",
            () -> RetryPolicy.of(101, Duration.ZERO, Duration.ZERO)),
        bad("retry backoff cap below its start", iae, "backoff",
            () -> RetryPolicy.of(3, Duration.ofSeconds(1), Duration.ofMillis(1))),
        bad("no template", IllegalStateException.class, "templateName is required",
            () -> SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel()).build().close()),
        // Only the cluster can tell: the claim is made, then deleted before the exception leaves.
        bad("unknown template", TemplateNotFoundException.class, "create it or fix templateName",
            () -> builder().templateName("no-such-template").build().close()),
        bad("template of another namespace", TemplateNotFoundException.class, "no-such-namespace",
            () -> builder().namespace("no-such-namespace").build().close()),
        bad("template whose pod never gets Ready", SandboxReadyTimeoutException.class, "not ready after",
            () -> builder().templateName("never-ready-template").readyTimeout(Duration.ofSeconds(1)).build().close()),
        bad("attach to a claim that does not exist", ClaimNotFoundException.class, "sandbox-claim-00000000",
            () -> fleet.attach("sandbox-claim-00000000")),
        bad("attach in a namespace that does not exist", ClaimNotFoundException.class, "sandbox-claim-00000000",
            () -> fleet.attach("no-such-namespace", "sandbox-claim-00000000")),
        bad("attach to an invalid name", iae, "Bad Name", () -> fleet.attach("Bad Name")),
        bad("attach in an invalid namespace", iae, "namespace", () -> fleet.attach("default" + CRLF, "x")),
        bad("list by a label with CRLF", iae, "invalid value", () -> fleet.list(Map.of("a", "b" + CRLF))),
        // Refused on a ready sandbox, before anything is sent or by the runtime.
        bad("empty command", iae, "command", () -> sandbox.run("")),
        bad("blank command", iae, "command", () -> sandbox.run("   ")),
        bad("null command", npe, "command", () -> sandbox.run(null)),
        bad("zero command timeout", iae, "timeout must be positive", () -> sandbox.run("echo", Duration.ZERO)),
        bad("negative command timeout", iae, "timeout must be positive",
            () -> sandbox.run("echo", Duration.ofSeconds(-1))),
        bad("command timeout of two days", iae, "timeout must be at most",
            () -> sandbox.run("echo", Duration.ofDays(2))),
        bad("write to the empty path", path, "base directory", () -> sandbox.write("", x)),
        bad("write to /", path, "base directory", () -> sandbox.write("/", x)),
        bad("write with ..", path, "'..' segment", () -> sandbox.write("../x", x)),
        bad("write with NUL", path, "NUL", () -> sandbox.write("a\0b", x)),
        bad("write with a double quote", path, "double quote", () -> sandbox.write("say \"hi\".txt", x)),
        bad("write to a path of 6000 bytes", path, "longer than", () -> sandbox.write("a/".repeat(3000), x)),
        bad("write to a null path", path, "null", () -> sandbox.write(null, x)),
        bad("write of null bytes", npe, "content", () -> sandbox.write("x.txt", (byte[]) null)),
        bad("read of the empty path", path, "base directory", () -> sandbox.read("")),
        bad("read of a missing file", missing, "missing.txt", () -> sandbox.read("missing.txt")),
        bad("read of a directory", missing, "dir", () -> sandbox.read("dir")),
        bad("list of a missing directory", missing, "missing", () -> sandbox.list("missing")),
        bad("list of a file", missing, "dir/file.txt", () -> sandbox.list("dir/file.txt")),
        bad("list of ..", path, "'..' segment", () -> sandbox.list("..")),
        bad("exists with LF", path, "control character", () -> sandbox.exists("a\nb")),
        bad("download of a missing file", missing, "missing.txt",
            () -> sandbox.files().download("missing.txt", new ByteArrayOutputStream())),
        bad("upload of a null stream", npe, "content",
            () -> sandbox.files().upload("x.txt", (InputStream) null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputFailsWithItsOwnExceptionAndLeavesNoClaim(String what, Class<? extends Exception> expected,
      String messagePart, BadCall call) {
    Exception e = assertThrows(Exception.class, call::run, what);

    assertEquals(expected, e.getClass(), what + ": " + e);
    assertTrue(String.valueOf(e.getMessage()).contains(messagePart), what + ": " + e.getMessage());
  }

}
