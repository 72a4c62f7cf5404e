package dev.agentsandbox.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxRouterMainTest {

  @Test
  void noFlagsAndNoEnvironmentGiveTheDefaults() {
    assertEquals(RouterOptions.defaults(), SandboxRouterMain.parse(new String[0], Map.of()));
  }

  @Test
  void flagsOverrideTheEnvironment() {
    RouterOptions options = SandboxRouterMain.parse(
        new String[] {"--port", "9090", "--timeout=2.5", "--watch-namespace", "sandboxes"},
        Map.of("ROUTER_PORT", "7070", "ROUTER_UPSTREAM_TIMEOUT", "30", "CLUSTER_DOMAIN", "example.org",
            "ROUTER_DEFAULT_NAMESPACE", "team-a"));
    assertEquals(9090, options.port());
    assertEquals(Duration.ofMillis(2500), options.upstreamTimeout());
    assertEquals("sandboxes", options.watchNamespace());
    assertEquals("example.org", options.clusterDomain());
    assertEquals("team-a", options.defaultNamespace());
  }

  @Test
  void blankEnvironmentVariablesAreIgnored() {
    RouterOptions options = SandboxRouterMain.parse(new String[0], Map.of("ROUTER_WATCH_NAMESPACE", ""));
    assertNull(options.watchNamespace());
  }

  @Test
  void badArgumentsAreRejectedWithTheReason() {
    assertEquals("Unknown option --prot", assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[] {"--prot", "1"}, Map.of())).getMessage());
    assertEquals("Missing value for --port", assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[] {"--port"}, Map.of())).getMessage());
    assertEquals("--port must be an integer, got 'http'", assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[] {"--port=http"}, Map.of())).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[] {"--timeout", "-1"}, Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[] {"--default-namespace", "Not_A_Label"}, Map.of()));
  }
}
