package dev.agentsandbox.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The server over streamable HTTP, in process, against the embedded cluster. */
@SandboxTest
@SandboxTemplate(resource = "dev/agentsandbox/mcp/embedded-template-and-pool.yaml")
@SandboxTemplate(resource = "sandboxd-template.yaml")
class SandboxMcpServerHttpTest {
  private static final String TOKEN = "mcp-test-token";

  @Test
  void everyToolWorksOverHttp(SandboxFleet fleet) throws Exception {
    try (SandboxMcpServer server = SandboxMcpServer.builder(fleet).http("127.0.0.1", 0)
        .httpToken(TOKEN).start();
        McpSyncClient client = client(server.endpoint(), TOKEN, List.of())) {
      McpToolChecks.listsTheReferenceTools(client);
      McpToolChecks.runsEveryTool(client);
    }
  }

  @Test
  void closingTheServerDeletesItsSandboxes(SandboxFleet fleet) throws Exception {
    String claim;
    try (SandboxMcpServer server = SandboxMcpServer.builder(fleet).http("127.0.0.1", 0).start();
        McpSyncClient client = client(server.endpoint(), null, List.of())) {
      claim = (String) McpToolChecks.ok(client, "create_sandbox",
          Map.of("template", "python-runtime-template")).get("sandbox_claim_name");
      assertTrue(fleet.list(Map.of()).stream().anyMatch(s -> s.claimName().equals(claim)));
    }
    assertFalse(fleet.list(Map.of()).stream().map(SandboxSummary::claimName).anyMatch(claim::equals),
        "the claim is deleted with the server");
  }

  @Test
  void sessionsSeeOnlyTheirOwnSandboxes(SandboxFleet fleet) throws Exception {
    try (SandboxMcpServer server = SandboxMcpServer.builder(fleet).http("127.0.0.1", 0).start();
        McpSyncClient first = client(server.endpoint(), null, List.of());
        McpSyncClient second = client(server.endpoint(), null, List.of())) {
      String claim = (String) McpToolChecks.ok(first, "create_sandbox",
          Map.of("warmpool", McpToolChecks.WARM_POOL)).get("sandbox_claim_name");
      McpToolChecks.assertError(second, "execute_command",
          Map.of("sandbox_claim_name", claim, "command", "true"), "is not found");
      assertEquals(List.of(), second.readResource(
          McpSchema.ReadResourceRequest.builder("sandboxes://default").build()).contents());
      // A client that ends its session takes its sandboxes with it.
      first.closeGracefully();
      assertFalse(fleet.list(Map.of()).stream().map(SandboxSummary::claimName)
          .anyMatch(claim::equals), "the sandbox of the ended session is deleted");
    }
  }

  @Test
  void executeCommandStreamsOutputAsProgress(SandboxFleet fleet) throws Exception {
    List<ProgressNotification> progress = new CopyOnWriteArrayList<>();
    try (SandboxMcpServer server = SandboxMcpServer.builder(fleet).http("127.0.0.1", 0).start();
        McpSyncClient client = client(server.endpoint(), null, progress)) {
      String claim = (String) McpToolChecks.ok(client, "create_sandbox",
          Map.of("template", "sandboxd-template")).get("sandbox_claim_name");
      CallToolResult result = client.callTool(CallToolRequest.builder("execute_command")
          .arguments(Map.of("sandbox_claim_name", claim,
              "command", "sh -c 'for i in 1 2 3; do echo line $i; done; echo warn >&2'"))
          .progressToken("run-1")
          .build());
      assertFalse(Boolean.TRUE.equals(result.isError()), () -> McpToolChecks.text(result));
      @SuppressWarnings("unchecked")
      Map<String, Object> out = (Map<String, Object>) result.structuredContent();
      assertEquals("line 1\nline 2\nline 3\n", out.get("stdout"));
      assertEquals("warn\n", out.get("stderr"));
      // Each line went out as a notification before the result; the client may hand them over
      // out of order, but their progress values, which only grow, give the order they were sent.
      List<String> lines = progress.stream()
          .sorted(Comparator.comparingDouble(ProgressNotification::progress))
          .map(ProgressNotification::message).toList();
      assertEquals(List.of("line 1", "line 2", "line 3"),
          lines.stream().filter(l -> l.startsWith("line")).toList());
      assertTrue(lines.contains("warn"));
      assertTrue(progress.stream().allMatch(p -> "run-1".equals(p.progressToken())));
    }
  }

  @Test
  void refusesRequestsWithoutTheTokenOrFromForeignOrigins(SandboxFleet fleet) throws Exception {
    try (SandboxMcpServer server = SandboxMcpServer.builder(fleet).http("127.0.0.1", 0)
        .httpToken(TOKEN).start()) {
      HttpClient http = HttpClient.newHttpClient();
      String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
          + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
      HttpRequest.Builder request = HttpRequest.newBuilder(server.endpoint())
          .header("Content-Type", "application/json")
          .header("Accept", "application/json, text/event-stream")
          .POST(HttpRequest.BodyPublishers.ofString(initialize));
      assertEquals(401, http.send(request.build(), HttpResponse.BodyHandlers.discarding())
          .statusCode());
      assertEquals(401, http.send(request.copy().header("Authorization", "Bearer wrong").build(),
          HttpResponse.BodyHandlers.discarding()).statusCode());
      assertEquals(403, http.send(request.copy().header("Authorization", "Bearer " + TOKEN)
          .header("Origin", "https://evil.example").build(),
          HttpResponse.BodyHandlers.discarding()).statusCode());
      assertEquals(200, http.send(request.copy().header("Authorization", "Bearer " + TOKEN)
          .header("Origin", "http://localhost:6274").build(),
          HttpResponse.BodyHandlers.discarding()).statusCode());
    }
  }

  @Test
  void badSettingsFailClearly(SandboxFleet fleet) {
    assertThrows(IllegalArgumentException.class,
        () -> SandboxMcpServer.builder(fleet).http("127.0.0.1", 70000));
    assertThrows(IllegalArgumentException.class,
        () -> SandboxMcpServer.builder(fleet).httpToken("has space"));
  }

  static McpSyncClient client(URI endpoint, String token, List<ProgressNotification> progress) {
    String base = endpoint.getScheme() + "://" + endpoint.getAuthority();
    HttpClientStreamableHttpTransport.Builder transport = HttpClientStreamableHttpTransport
        .builder(base).endpoint(endpoint.getPath());
    if (token != null) {
      transport.requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + token));
    }
    McpSyncClient client = McpClient.sync(transport.build())
        .requestTimeout(Duration.ofSeconds(120))
        .initializationTimeout(Duration.ofSeconds(30))
        .progressConsumer(progress::add)
        .build();
    client.initialize();
    return client;
  }
}
