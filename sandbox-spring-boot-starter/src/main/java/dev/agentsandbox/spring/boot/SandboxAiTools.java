package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.KeyedSandboxes;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.metadata.ToolMetadata;
import org.springframework.ai.tool.method.MethodToolCallbackProvider;

/**
 * Spring AI tools that run commands and move files in sandboxes of the application's fleet:
 * {@code execute_command}, {@code write_file}, {@code read_file} and {@code list_files}. Each
 * conversation gets a sandbox of its own, made on its first tool call from
 * {@code agent-sandbox.template} or {@code agent-sandbox.warm-pool}: the conversation is the
 * {@link #CONVERSATION_ID} entry of the call's tool context, and calls without one share a
 * default sandbox. {@link #release(String)} deletes a conversation's sandbox when it ends; with
 * an idle timeout ({@code agent-sandbox.conversation-idle-timeout}, 30 minutes by default) so
 * does a conversation without tool calls for that long; the rest are deleted when the tools
 * close, with the application. A failure comes back to the
 * model as a result whose {@code error} says what went wrong.
 *
 * <p>Give chat clients {@link #toolCallbacks()} (the auto-configured
 * {@code sandboxToolCallbacks} bean), not this object itself: only those callbacks read the
 * tool context.
 *
 * <pre>{@code
 * chatClient.prompt(question)
 *     .toolCallbacks(tools.toolCallbacks())
 *     .toolContext(Map.of(SandboxAiTools.CONVERSATION_ID, conversationId))
 *     .call()
 *     .content();
 * }</pre>
 *
 * @since 0.1.0
 */
public class SandboxAiTools implements AutoCloseable {
  /**
   * The tool context key that names the conversation; the same as Spring AI's
   * {@code ChatMemory.CONVERSATION_ID}, so one id serves chat memory and sandbox.
   */
  public static final String CONVERSATION_ID = "chat_memory_conversation_id";
  /** The conversation of tool calls without a {@link #CONVERSATION_ID}. */
  public static final String DEFAULT_CONVERSATION = "default";
  /** The conversation of the tool call running on this thread, set by {@link #toolCallbacks()}. */
  private static final ThreadLocal<@Nullable String> CALLER = new ThreadLocal<>();

  private final KeyedSandboxes<String> sandboxes;
  private final Duration commandTimeout;

  /**
   * Creates the tools.
   *
   * @param fleet the fleet that creates the sandboxes; stays open when the tools close
   * @param options what each sandbox is made from
   * @param commandTimeout how long a command may run
   */
  public SandboxAiTools(SandboxFleet fleet, SandboxOptions options, Duration commandTimeout) {
    this(fleet, options, commandTimeout, null);
  }

  /**
   * Creates the tools, deleting a conversation's sandbox once the conversation has made no tool
   * call for {@code idleTimeout}.
   *
   * @param fleet the fleet that creates the sandboxes; stays open when the tools close
   * @param options what each sandbox is made from
   * @param commandTimeout how long a command may run
   * @param idleTimeout how long an idle conversation keeps its sandbox; null: until released.
   *     Keep it above {@code commandTimeout}.
   */
  public SandboxAiTools(SandboxFleet fleet, SandboxOptions options, Duration commandTimeout,
      @Nullable Duration idleTimeout) {
    KeyedSandboxes.Builder<String> keyed = KeyedSandboxes.builder(
        Objects.requireNonNull(fleet, "fleet"), Objects.requireNonNull(options, "options"));
    if (idleTimeout != null) {
      keyed.idleTimeout(idleTimeout);
    }
    this.sandboxes = keyed.build();
    this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
  }

  /**
   * What a command did.
   *
   * @param exitCode its exit code
   * @param stdout its standard output
   * @param stderr its standard error
   * @param error why it could not run; null when it ran
   */
  public record CommandResult(int exitCode, String stdout, String stderr, @Nullable String error) {
  }

  /**
   * What a file operation did.
   *
   * @param path the path
   * @param content the file's text (read), or null
   * @param entries the listing (list), or null
   * @param bytes the bytes written or read
   * @param error why it failed; null when it worked
   */
  public record FileResult(String path, @Nullable String content, @Nullable List<String> entries,
      long bytes, @Nullable String error) {
  }

  /**
   * Runs a shell command.
   *
   * @param command the command line
   * @return its exit code and output
   */
  @Tool(name = "execute_command", description = "Runs a command in the sandbox, an isolated "
      + "Linux machine, and returns its exit code, standard output and standard error. Wrap "
      + "pipes, redirections and ';' in sh -c '...'.")
  public CommandResult executeCommand(
      @ToolParam(description = "The command line, e.g. python3 main.py") String command) {
    try {
      ExecutionResult result = current().commands().run(command, commandTimeout);
      return new CommandResult(result.exitCode(), result.stdout(), result.stderr(),
          result.timedOut() ? "stopped after " + commandTimeout.toSeconds() + " s" : null);
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      return new CommandResult(-1, "", "", e.getMessage());
    }
  }

  /**
   * Writes a text file.
   *
   * @param path the path
   * @param content the text
   * @return the bytes written
   */
  @Tool(name = "write_file", description = "Writes a text file in the sandbox, replacing it if "
      + "it exists and creating its directories.")
  public FileResult writeFile(
      @ToolParam(description = "Path relative to the sandbox's working directory") String path,
      @ToolParam(description = "The file's whole text") String content) {
    try {
      current().files().write(path, content);
      return new FileResult(path, null, null,
          content.getBytes(StandardCharsets.UTF_8).length, null);
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      return new FileResult(path, null, null, 0, e.getMessage());
    }
  }

  /**
   * Reads a text file.
   *
   * @param path the path
   * @return its text
   */
  @Tool(name = "read_file", description = "Reads a text file in the sandbox.")
  public FileResult readFile(
      @ToolParam(description = "Path relative to the sandbox's working directory") String path) {
    try {
      String content = current().files().readString(path);
      return new FileResult(path, content, null,
          content.getBytes(StandardCharsets.UTF_8).length, null);
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      return new FileResult(path, null, null, 0, e.getMessage());
    }
  }

  /**
   * Lists a directory.
   *
   * @param path the directory
   * @return its entries, directories with a trailing {@code /}
   */
  @Tool(name = "list_files", description = "Lists a directory in the sandbox; directories end "
      + "with '/'.")
  public FileResult listFiles(
      @ToolParam(description = "Directory path; '.' for the working directory") String path) {
    try {
      List<String> entries = current().files().list(path).stream()
          .map(e -> e.isDirectory() ? e.name() + "/" : e.name()).toList();
      return new FileResult(path, null, entries, 0, null);
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      return new FileResult(path, null, null, 0, e.getMessage());
    }
  }

  /**
   * The tools as Spring AI tool callbacks that give each conversation its own sandbox, keyed by
   * the {@link #CONVERSATION_ID} of the call's tool context.
   *
   * @return the four callbacks
   */
  public ToolCallback[] toolCallbacks() {
    return Arrays.stream(MethodToolCallbackProvider.builder().toolObjects(this).build()
            .getToolCallbacks())
        .map(ConversationScoped::new)
        .toArray(ToolCallback[]::new);
  }

  /**
   * The default conversation's sandbox (that of calls without a conversation id), made on
   * first use.
   *
   * @return the sandbox
   */
  public Sandbox sandbox() {
    return sandbox(DEFAULT_CONVERSATION);
  }

  /**
   * A conversation's sandbox, made on first use.
   *
   * @param conversationId the conversation
   * @return the sandbox
   */
  public Sandbox sandbox(String conversationId) {
    return sandboxes.get(conversationId);
  }

  /**
   * Deletes a conversation's sandbox, if it has one; its next tool call gets a new one. Call it
   * when the conversation ends, e.g. with {@code ChatMemory.clear(conversationId)}.
   *
   * @param conversationId the conversation
   * @return whether a sandbox was deleted
   */
  public boolean release(String conversationId) {
    return sandboxes.release(conversationId);
  }

  /**
   * The conversations that have a sandbox.
   *
   * @return a snapshot of their ids
   */
  public Set<String> conversations() {
    return sandboxes.keys();
  }

  /** Deletes every sandbox these tools made; later tool calls answer with an error. */
  @Override
  public void close() {
    sandboxes.close();
  }

  private Sandbox current() {
    String conversation = CALLER.get();
    return sandbox(conversation == null ? DEFAULT_CONVERSATION : conversation);
  }

  /** A callback that runs its tool in the sandbox of the conversation in the tool context. */
  private static final class ConversationScoped implements ToolCallback {
    private final ToolCallback delegate;

    ConversationScoped(ToolCallback delegate) {
      this.delegate = delegate;
    }

    @Override
    public ToolDefinition getToolDefinition() {
      return delegate.getToolDefinition();
    }

    @Override
    public ToolMetadata getToolMetadata() {
      return delegate.getToolMetadata();
    }

    @Override
    public String call(String toolInput) {
      return call(toolInput, null);
    }

    @Override
    public String call(String toolInput, @Nullable ToolContext toolContext) {
      Object id = toolContext == null ? null : toolContext.getContext().get(CONVERSATION_ID);
      String outer = CALLER.get();
      CALLER.set(id == null ? null : id.toString());
      try {
        // The tool methods take no tool context: the conversation reaches them through CALLER.
        return delegate.call(toolInput);
      } finally {
        if (outer == null) {
          CALLER.remove();
        } else {
          CALLER.set(outer);
        }
      }
    }
  }
}
