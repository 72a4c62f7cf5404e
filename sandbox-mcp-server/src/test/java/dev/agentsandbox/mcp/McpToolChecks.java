package dev.agentsandbox.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What an MCP client sees of the server, whatever the transport: the seven tools with the
 * reference server's argument names, and each of them working against a real sandbox.
 */
final class McpToolChecks {
  /** The tools and the arguments of the reference's server, each of which must be accepted. */
  static final Map<String, Set<String>> REFERENCE_ARGUMENTS = Map.of(
      "create_sandbox", Set.of("warmpool", "namespace", "sandbox_ready_timeout", "labels",
          "shutdown_after_seconds", "pod_labels", "pod_annotations"),
      "delete_sandbox", Set.of("sandbox_claim_name", "namespace"),
      "execute_command", Set.of("sandbox_claim_name", "namespace", "command", "timeout"),
      "upload_file", Set.of("sandbox_claim_name", "namespace", "path", "content", "binary",
          "timeout"),
      "download_file", Set.of("sandbox_claim_name", "namespace", "path", "binary", "timeout"),
      "list_files", Set.of("sandbox_claim_name", "namespace", "path", "timeout", "max_entries"),
      "file_exists", Set.of("sandbox_claim_name", "namespace", "path", "timeout"));
  static final String WARM_POOL = "python-sandbox-warmpool";

  private McpToolChecks() {
  }

  /** The seven tools, each with every argument of the reference's. */
  static void listsTheReferenceTools(McpSyncClient client) {
    List<McpSchema.Tool> tools = client.listTools().tools();
    assertEquals(new TreeSet<>(REFERENCE_ARGUMENTS.keySet()),
        tools.stream().map(McpSchema.Tool::name).collect(Collectors.toCollection(TreeSet::new)));
    for (McpSchema.Tool tool : tools) {
      @SuppressWarnings("unchecked")
      Set<String> declared = ((Map<String, Object>) tool.inputSchema().get("properties")).keySet();
      assertTrue(declared.containsAll(REFERENCE_ARGUMENTS.get(tool.name())),
          tool.name() + " declares " + declared);
    }
  }

  /** Every tool against a sandbox of the warm pool, then the sandbox deleted. */
  static void runsEveryTool(McpSyncClient client) {
    Map<String, Object> created = ok(client, "create_sandbox", Map.of("warmpool", WARM_POOL,
        "namespace", "default", "labels", Map.of("team", "agents")));
    String claim = (String) created.get("sandbox_claim_name");
    assertNotNull(claim);
    Map<String, Object> sandbox = Map.of("sandbox_claim_name", claim, "namespace", "default");

    Map<String, Object> echo = ok(client, "execute_command", with(sandbox, "command", "echo hello"));
    assertEquals(0, ((Number) echo.get("exit_code")).intValue());
    assertEquals("hello\n", echo.get("stdout"));
    assertEquals("", echo.get("stderr"));
    Map<String, Object> failing = ok(client, "execute_command",
        with(sandbox, "command", "sh -c 'echo oops >&2; exit 3'"));
    assertEquals(3, ((Number) failing.get("exit_code")).intValue());
    assertEquals("oops\n", failing.get("stderr"));

    String text = "héllo, sandbox\n";
    assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
        ((Number) ok(client, "upload_file", with(with(sandbox, "path", "notes.txt"), "content",
            text)).get("bytes_written")).intValue());
    Map<String, Object> downloaded = ok(client, "download_file", with(sandbox, "path", "notes.txt"));
    assertEquals(text, downloaded.get("content"));

    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    Map<String, Object> upload = with(with(sandbox, "path", "data.bin"), "content",
        Base64.getEncoder().encodeToString(binary));
    upload.put("binary", true);
    assertEquals(256, ((Number) ok(client, "upload_file", upload).get("bytes_written")).intValue());
    Map<String, Object> asBase64 = with(sandbox, "path", "data.bin");
    asBase64.put("binary", true);
    Map<String, Object> binaryBack = ok(client, "download_file", asBase64);
    assertEquals(256, ((Number) binaryBack.get("bytes_read")).intValue());
    assertEquals(Base64.getEncoder().encodeToString(binary), binaryBack.get("content"));
    assertError(client, "download_file", with(sandbox, "path", "data.bin"), "non-UTF-8");

    ok(client, "execute_command", with(sandbox, "command",
        "sh -c 'mkdir -p listing && for i in 1 2 3 4 5; do echo $i > listing/f$i; done'"));
    Map<String, Object> listArgs = with(sandbox, "path", "listing");
    listArgs.put("max_entries", 3);
    Map<String, Object> listing = ok(client, "list_files", listArgs);
    assertEquals(3, ((List<?>) listing.get("entries")).size());
    assertEquals(5, ((Number) listing.get("total_entries")).intValue());
    assertEquals(true, listing.get("truncated"));
    Map<?, ?> entry = (Map<?, ?>) ((List<?>) listing.get("entries")).get(0);
    assertEquals("file", entry.get("type"));
    assertEquals(2, ((Number) entry.get("size")).intValue());
    assertTrue(entry.get("mod_time") instanceof Number);
    Map<String, Object> whole = ok(client, "list_files", with(sandbox, "path", "listing"));
    assertEquals(false, whole.get("truncated"));
    assertEquals(5, ((List<?>) whole.get("entries")).size());

    assertEquals(true, ok(client, "file_exists", with(sandbox, "path", "notes.txt")).get("exists"));
    assertEquals(true, ok(client, "file_exists", with(sandbox, "path", "listing")).get("exists"));
    assertEquals(false, ok(client, "file_exists", with(sandbox, "path", "missing.txt"))
        .get("exists"));

    List<String> listed = client.readResource(McpSchema.ReadResourceRequest.builder("sandboxes://default").build()).contents().stream()
        .map(c -> ((TextResourceContents) c).text()).toList();
    assertEquals(List.of(claim), listed);

    Map<String, Object> badTimeout = with(sandbox, "command", "true");
    badTimeout.put("timeout", 601);
    assertError(client, "execute_command", badTimeout, "timeout");
    assertError(client, "execute_command", with(with(sandbox, "sandbox_claim_name", "nope"),
        "command", "true"), "Sandbox claim 'nope' is not found in namespace 'default'.");
    assertError(client, "download_file", with(sandbox, "path", "../etc/passwd"), "Failed to read file from sandbox");

    CallToolResult deleted = client.callTool(CallToolRequest.builder("delete_sandbox").arguments(sandbox).build());
    assertFalse(Boolean.TRUE.equals(deleted.isError()), () -> text(deleted));
    assertError(client, "file_exists", with(sandbox, "path", "notes.txt"), "is not found");
    assertEquals(List.of(), client.readResource(McpSchema.ReadResourceRequest.builder("sandboxes://default").build()).contents());
  }

  static Map<String, Object> with(Map<String, Object> args, String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(args);
    copy.put(key, value);
    return copy;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> ok(McpSyncClient client, String tool, Map<String, Object> args) {
    CallToolResult result = client.callTool(CallToolRequest.builder(tool).arguments(new HashMap<>(args)).build());
    assertFalse(Boolean.TRUE.equals(result.isError()), () -> tool + ": " + text(result));
    assertNotNull(result.structuredContent(), tool);
    return (Map<String, Object>) result.structuredContent();
  }

  static void assertError(McpSyncClient client, String tool, Map<String, Object> args,
      String expected) {
    CallToolResult result = client.callTool(CallToolRequest.builder(tool).arguments(new HashMap<>(args)).build());
    assertEquals(Boolean.TRUE, result.isError(), () -> tool + " should fail: " + text(result));
    assertTrue(text(result).contains(expected), () -> text(result));
  }

  static String text(CallToolResult result) {
    return result.content().stream().filter(TextContent.class::isInstance)
        .map(c -> ((TextContent) c).text()).collect(Collectors.joining("\n"));
  }
}
