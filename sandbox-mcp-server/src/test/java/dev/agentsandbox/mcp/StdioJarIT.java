package dev.agentsandbox.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar as an MCP host runs it: {@code java -jar ... --embedded}, spoken to over its
 * standard input and output by the SDK's own client.
 */
class StdioJarIT {
  private static Path jar() {
    Path jar = Path.of(System.getProperty("mcp.jar", "target/missing.jar"));
    assertTrue(Files.isRegularFile(jar), "package the module first: " + jar);
    return jar;
  }

  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @Test
  void theRunnableJarServesEveryToolOverStdio() {
    Path jar = jar();
    String java = JAVA;
    StdioClientTransport transport = new StdioClientTransport(ServerParameters.builder(java)
        .args("-jar", jar.toString(), "--embedded").build(), McpJsonDefaults.getMapper());
    List<String> stderr = new CopyOnWriteArrayList<>();
    transport.setStdErrorHandler(stderr::add);
    McpSyncClient client = McpClient.sync(transport)
        .requestTimeout(Duration.ofSeconds(120))
        .initializationTimeout(Duration.ofSeconds(60))
        .build();
    try {
      client.initialize();
      McpToolChecks.listsTheReferenceTools(client);
      McpToolChecks.runsEveryTool(client);
    } catch (AssertionError | RuntimeException e) {
      stderr.forEach(System.err::println);
      throw e;
    } finally {
      client.closeGracefully();
    }
  }

  @Test
  void requestsPipedInAreAnsweredThoughTheInputEndsRightAfterThem() throws Exception {
    // As `cat requests.jsonl | java -jar ...`: the host's input ends before the sandbox is ready.
    Process server = new ProcessBuilder(JAVA, "-jar", jar().toString(), "--embedded")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      try (OutputStream in = server.getOutputStream()) {
        in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"pipe\",\"version\":\"1\"}}}\n"
            + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
            + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"create_sandbox\","
            + "\"arguments\":{\"warmpool\":\"" + McpToolChecks.WARM_POOL + "\"}}}\n").getBytes(StandardCharsets.UTF_8));
      }
      Map<Integer, JsonNode> answers = new HashMap<>();
      ObjectMapper json = new ObjectMapper();
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          JsonNode message = json.readTree(line);
          if (message.has("id")) {
            answers.put(message.get("id").asInt(), message);
          }
        }
      }
      assertTrue(server.waitFor(120, TimeUnit.SECONDS), "the server did not stop at the end of its input");
      assertEquals(0, server.exitValue());
      assertTrue(answers.get(1).has("result"), () -> answers.toString());
      JsonNode created = answers.get(2);
      assertTrue(created != null && !created.path("result").path("isError").asBoolean(true),
          () -> answers.toString());
      assertTrue(created.path("result").path("structuredContent").path("sandbox_claim_name").asText()
          .startsWith("sandbox-claim-"), created::toString);
    } finally {
      server.destroyForcibly();
    }
  }
}
