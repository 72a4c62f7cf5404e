package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Misconfiguration fails in the builder, before anything exists on the cluster. */
class SandboxClientBuilderTest {
  private FakeCluster cluster;

  @BeforeEach
  void start() {
    cluster = new FakeCluster();
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  static Stream<Arguments> invalidSettings() {
    return Stream.of(
        invalid("templateName with uppercase", b -> b.templateName("Python_Template"), "templateName"),
        invalid("empty templateName", b -> b.templateName(""), "templateName"),
        invalid("namespace with a dot", b -> b.namespace("team.a"), "namespace"),
        invalid("zero readyTimeout", b -> b.readyTimeout(Duration.ZERO), "readyTimeout must be positive"),
        invalid("negative readyTimeout", b -> b.readyTimeout(Duration.ofSeconds(-1)), "readyTimeout"),
        invalid("huge runTimeout", b -> b.runTimeout(Duration.ofDays(30)), "runTimeout must be at most"),
        invalid("zero connectTimeout", b -> b.connectTimeout(Duration.ZERO), "connectTimeout"),
        invalid("negative readTimeout", b -> b.readTimeout(Duration.ofMillis(-5)), "readTimeout"),
        invalid("zero maxResponseSize", b -> b.maxResponseSize(0), "maxResponseSize"),
        invalid("port 0", b -> b.sandboxPort(0), "sandboxPort"),
        invalid("port 65536", b -> b.sandboxPort(65536), "sandboxPort"),
        invalid("bad label key", b -> b.labels(Map.of("-bad", "x")), "label key"),
        invalid("bad label prefix", b -> b.labels(Map.of("Example.com/a", "x")), "prefix"),
        invalid("bad label value", b -> b.labels(Map.of("team", "has space")), "invalid value"),
        invalid("too long label value", b -> b.labels(Map.of("team", "a".repeat(64))), "invalid value"),
        invalid("overriding created-by", b -> b.labels(Map.of("agents.x-k8s.io/created-by", "me")), "created-by"),
        invalid("ftp router", b -> b.connection(ConnectionMode.direct("ftp://router")), "http or https"),
        invalid("router without host", b -> b.connection(ConnectionMode.direct("http:///x")), "host"),
        invalid("router with credentials", b -> b.connection(ConnectionMode.direct("http://u:p@router")), "credentials"),
        invalid("router with query", b -> b.connection(ConnectionMode.direct("http://router?x=1")), "query"),
        invalid("unparseable router", b -> b.connection(ConnectionMode.direct("http://router:port")), "baseUrl"),
        invalid("bad router namespace", b -> b.connection(ConnectionMode.tunnel("Router NS")), "routerNamespace"));
  }

  private static Arguments invalid(String what, Consumer<SandboxClient.Builder> setting, String message) {
    return Arguments.of(what, setting, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSettings")
  void invalidSettingFailsInTheBuilderAndCreatesNothing(String what,
      Consumer<SandboxClient.Builder> setting, String message) {
    SandboxClient.Builder builder = SandboxClient.builder()
        .templateName("python-runtime-template")
        .kubernetesClient(cluster.client);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> setting.accept(builder));

    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void missingTemplateNameFailsBuildAndCreatesNothing() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> SandboxClient.builder().kubernetesClient(cluster.client).build());

    assertTrue(e.getMessage().contains("templateName is required"), e.getMessage());
    assertTrue(cluster.claims().isEmpty());
  }

  @Test
  void validLabelsAndUrlsAreAccepted() {
    SandboxClient.builder()
        .templateName("python-runtime-template.v2")
        .namespace("team-a")
        .labels(Map.of("app.kubernetes.io/name", "agent", "empty", "", "x", "A_b.c-1"))
        .connection(ConnectionMode.direct("https://sandbox-router.example.com/prefix/"))
        .maxResponseSize(1)
        .sandboxPort(65535);
    assertEquals(ConnectionMode.tunnel(), ConnectionMode.tunnel());
    assertEquals("agent-sandbox-system",
        ((ConnectionMode.Tunnel) ConnectionMode.tunnel("agent-sandbox-system")).routerNamespace());
  }
}
