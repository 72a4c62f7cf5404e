package dev.agentsandbox.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.mcp.internal.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags over environment variables over defaults, and clear errors for bad ones. */
class ServerSettingsTest {
  @Test
  void defaultsServeStdioThroughTheTunnel() {
    ServerSettings settings = ServerSettings.parse(new String[0], Map.<String, String>of()::get);
    assertFalse(settings.http());
    assertEquals("127.0.0.1", settings.host());
    assertEquals(8000, settings.port());
    assertEquals(8888, settings.serverPort());
    assertEquals("mcp.k8s-agent-sandbox/session-id", settings.sessionLabelKey());
    assertTrue(settings.connection() instanceof ConnectionMode.Tunnel);
    assertFalse(settings.embedded());
    assertNull(settings.httpToken());
  }

  @Test
  void readsTheReferenceServersVariablesAndFlagsWin() {
    Map<String, String> env = Map.of(
        "K8S_SANDBOX_CONNECTION__TYPE", "direct",
        "K8S_SANDBOX_CONNECTION__API_URL", "http://router.example:8080",
        "K8S_SANDBOX_CONNECTION__SERVER_PORT", "9999",
        "K8S_SANDBOX_SESSION_ID_LABEL_KEY", "example.com/session",
        "K8S_SANDBOX_MCP_TRANSPORT", "http");
    ServerSettings settings = ServerSettings.parse(new String[] {"--port=0", "--namespace", "agents"},
        env::get);
    assertTrue(settings.connection() instanceof ConnectionMode.Direct);
    assertEquals(9999, settings.serverPort());
    assertEquals("example.com/session", settings.sessionLabelKey());
    assertTrue(settings.http());
    assertEquals(0, settings.port());
    assertEquals("agents", settings.namespace());

    ServerSettings flags = ServerSettings.parse(new String[] {"--connection", "in-cluster",
        "--embedded"}, Map.of("K8S_SANDBOX_CONNECTION__TYPE", "gateway")::get);
    assertTrue(flags.connection() instanceof ConnectionMode.InCluster);
    assertTrue(flags.embedded());
  }

  @Test
  void tokensComeFromFilesOrVariables(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "from-file\n");
    ServerSettings settings = ServerSettings.parse(new String[] {"--http-token-file",
        file.toString()}, Map.of("K8S_SANDBOX_MCP_TOKEN", "from-env")::get);
    assertEquals("from-file", settings.httpToken());
    assertEquals("from-env", ServerSettings.parse(new String[0],
        Map.of("K8S_SANDBOX_MCP_TOKEN", "from-env")::get).httpToken());
  }

  @Test
  void badSettingsAreNamed() {
    assertMessage("Unknown option --nope", "--nope", "x");
    assertMessage("--port must be a number from 0 to 65535", "--port", "http");
    assertMessage("--transport must be stdio or http", "--transport", "sse");
    assertMessage("--connection gateway needs --gateway-name", "--connection", "gateway");
    assertMessage("--connection direct needs --api-url", "--connection", "direct");
    assertMessage("--embedded starts its own cluster", "--embedded", "--context", "prod");
    assertMessage("Missing value for --namespace", "--namespace");
    assertMessage("cannot read", "--router-token-file", "/no/such/file");
    assertNull(ServerSettings.parse(new String[] {"--help"}, Map.<String, String>of()::get));
    assertTrue(ServerSettings.usage().contains("K8S_SANDBOX_CONNECTION__TYPE"));
  }

  private static void assertMessage(String expected, String... args) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.parse(args, Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
