package dev.agentsandbox.mcp.internal;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seven tools and the sandbox resource as MCP server features over {@link SandboxTools}:
 * a result becomes structured content with the same JSON as text, a {@link ToolFailure} an
 * error result with its message, and anything else an error result that names its type, while
 * its stack trace goes to the log only.
 */
public final class McpBindings {
  private static final Logger LOG = LoggerFactory.getLogger(McpBindings.class);
  /** The URI template of the resource that lists a session's sandboxes in a namespace. */
  public static final String SANDBOXES_URI = "sandboxes://{namespace}";
  private static final String SANDBOXES_PREFIX = "sandboxes://";

  private final SandboxTools tools;
  private final McpJsonMapper json;

  public McpBindings(SandboxTools tools, McpJsonMapper json) {
    this.tools = tools;
    this.json = json;
  }

  /** The tools, in the reference's order. */
  public List<SyncToolSpecification> toolSpecifications() {
    return List.of(
        tool("create_sandbox", "Create a new sandbox.", ToolSchemas.CREATE_INPUT,
            ToolSchemas.CREATE_OUTPUT, (session, args, exchange, request) ->
                tools.createSandbox(session, args)),
        tool("delete_sandbox", "Delete a target sandbox.", ToolSchemas.DELETE_INPUT, null,
            (session, args, exchange, request) -> {
              tools.deleteSandbox(session, args);
              return null;
            }),
        tool("execute_command", "Execute command in a sandbox. When the request carries a "
                + "progress token, each line of output is sent as a progress notification while "
                + "the command runs.", ToolSchemas.EXECUTE_INPUT, ToolSchemas.EXECUTE_OUTPUT,
            (session, args, exchange, request) ->
                tools.executeCommand(session, args, progressOf(exchange, request))),
        tool("upload_file", "Upload file to a sandbox.", ToolSchemas.UPLOAD_INPUT,
            ToolSchemas.UPLOAD_OUTPUT, (session, args, exchange, request) ->
                tools.uploadFile(session, args)),
        tool("download_file", "Download a file from a sandbox.", ToolSchemas.DOWNLOAD_INPUT,
            ToolSchemas.DOWNLOAD_OUTPUT, (session, args, exchange, request) ->
                tools.downloadFile(session, args)),
        tool("list_files", "List the entries of a directory in a sandbox. At most max_entries "
                + "entries (1000 by default) are returned; when the listing is cut, truncated is "
                + "true and total_entries gives the full count.", ToolSchemas.LIST_INPUT,
            ToolSchemas.LIST_OUTPUT, (session, args, exchange, request) ->
                tools.listFiles(session, args)),
        tool("file_exists", "Check whether a file or directory exists in a sandbox.",
            ToolSchemas.EXISTS_INPUT, ToolSchemas.EXISTS_OUTPUT,
            (session, args, exchange, request) -> tools.fileExists(session, args)));
  }

  /** {@code sandboxes://{namespace}}: one text item per claim of the calling session. */
  public SyncResourceTemplateSpecification sandboxesResource() {
    McpSchema.ResourceTemplate template = McpSchema.ResourceTemplate
        .builder(SANDBOXES_URI, "get_sandboxes")
        .description("Get all active sandboxes in the given namespace.")
        .mimeType("text/plain")
        .build();
    return new SyncResourceTemplateSpecification(template, (exchange, request) -> {
      String uri = request.uri();
      String namespace = uri.startsWith(SANDBOXES_PREFIX) ? uri.substring(SANDBOXES_PREFIX.length())
          : "";
      if (namespace.isEmpty() || namespace.contains("/")) {
        throw new IllegalArgumentException("Expected " + SANDBOXES_URI + ", got " + uri);
      }
      List<ResourceContents> contents = new ArrayList<>();
      for (String claim : tools.sandboxesOf(exchange.sessionId(), namespace)) {
        contents.add(TextResourceContents.builder(uri, claim).mimeType("text/plain").build());
      }
      return ReadResourceResult.builder(contents).build();
    });
  }

  private SyncToolSpecification tool(String name, String description, String input,
      String output, Handler handler) {
    Tool.Builder tool = Tool.builder(name, json, input).description(description);
    if (output != null) {
      tool.outputSchema(json, output);
    }
    return SyncToolSpecification.builder().tool(tool.build())
        .callHandler((exchange, request) -> call(name, handler, exchange, request))
        .build();
  }

  private CallToolResult call(String name, Handler handler, McpSyncServerExchange exchange,
      CallToolRequest request) {
    try {
      Map<String, Object> result = handler.handle(exchange.sessionId(),
          new ToolArguments(request.arguments()), exchange, request);
      if (result == null) {
        return CallToolResult.builder().isError(false).build();
      }
      return CallToolResult.builder()
          .addTextContent(json.writeValueAsString(result))
          .structuredContent(result)
          .isError(false)
          .build();
    } catch (ToolFailure e) {
      return error(name, e.getMessage());
    } catch (IOException e) {
      return error(name, "its result could not be written: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("Tool {} failed", name, e);
      return error(name, e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  private static CallToolResult error(String name, String message) {
    return CallToolResult.builder()
        .addTextContent("Error calling tool '" + name + "': " + message)
        .isError(true)
        .build();
  }

  /** Where lines of output go while a command runs: progress notifications, if asked for. */
  private static Consumer<String> progressOf(McpSyncServerExchange exchange,
      CallToolRequest request) {
    Object token = request.progressToken();
    if (token == null) {
      return null;
    }
    int[] count = {0};
    return line -> {
      try {
        exchange.progressNotification(ProgressNotification.builder(token, ++count[0])
            .message(line).build());
      } catch (RuntimeException e) {
        LOG.debug("A progress notification could not be sent: {}", e.toString());
      }
    };
  }

  @FunctionalInterface
  private interface Handler {
    Map<String, Object> handle(String session, ToolArguments args, McpSyncServerExchange exchange,
        CallToolRequest request);
  }
}
