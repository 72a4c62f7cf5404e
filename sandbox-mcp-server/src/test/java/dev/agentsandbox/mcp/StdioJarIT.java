package dev.agentsandbox.mcp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar as an MCP host runs it: {@code java -jar ... --embedded}, spoken to over its
 * standard input and output by the SDK's own client.
 */
class StdioJarIT {
  @Test
  void theRunnableJarServesEveryToolOverStdio() {
    Path jar = Path.of(System.getProperty("mcp.jar", "target/missing.jar"));
    assertTrue(Files.isRegularFile(jar), "package the module first: " + jar);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
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
}
