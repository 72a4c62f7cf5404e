package dev.agentsandbox.langchain4j;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.KeyedSandboxes;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolMemoryId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LangChain4j tools that run commands and move files in a Kubernetes sandbox: give an instance
 * to {@code AiServices.builder(...).tools(...)} and the model can execute shell commands, write,
 * read and list files, in a sandbox rather than on the machine that runs the agent.
 *
 * <p>Bound either to one sandbox ({@link #of(Sandbox)}), which every conversation shares, or to
 * a fleet ({@link #perMemoryId(SandboxFleet, SandboxOptions)}), which gives each chat memory id
 * (each {@code @MemoryId} of the AI service) a sandbox of its own, created on its first tool
 * call. AI services have no close hook: close the tools when the service is done, which deletes
 * the sandboxes they created.
 *
 * <pre>{@code
 * try (SandboxFleet fleet = SandboxFleet.builder().build();
 *      SandboxTools tools = SandboxTools.perMemoryId(fleet,
 *          SandboxOptions.ofTemplate("python-runtime-template"))) {
 *   Assistant assistant = AiServices.builder(Assistant.class)
 *       .chatModel(model)
 *       .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
 *       .tools(tools)
 *       .build();
 *   assistant.chat("user-1", "How many CPUs does your machine have?");
 * }
 * }</pre>
 *
 * <p>What the model sees is text: a command's exit code, standard output and standard error; a
 * file's content; a listing, one entry per line. Output longer than
 * {@link Builder#maxOutputChars(int)} is cut, saying so, to keep the conversation within the
 * model's context. A failure (a missing file, an unreachable sandbox) is told to the model as
 * {@code ERROR: <message>}, so it can change course, and logged.
 *
 * @since 0.1.0
 */
public final class SandboxTools implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxTools.class);
  /** Default of {@link Builder#maxOutputChars(int)}. */
  public static final int DEFAULT_MAX_OUTPUT_CHARS = 20_000;
  /** Default of {@link Builder#commandTimeout(Duration)}. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(2);

  /** The key of a tool call without a memory id. */
  private static final Object DEFAULT_MEMORY_ID = "default";

  private final @Nullable Sandbox shared;
  /** The sandboxes created per memory id; null for tools on one shared sandbox. */
  private final @Nullable KeyedSandboxes<Object> created;
  private final int maxOutputChars;
  private final Duration commandTimeout;
  private volatile boolean closed;

  private SandboxTools(Builder builder) {
    this.shared = builder.sandbox;
    if (builder.sandbox != null) {
      this.created = null;
    } else {
      KeyedSandboxes.Builder<Object> keyed = KeyedSandboxes.builder(
          Objects.requireNonNull(builder.fleet), Objects.requireNonNull(builder.options));
      if (builder.idleTimeout != null) {
        keyed.idleTimeout(builder.idleTimeout);
      }
      this.created = keyed.build();
    }
    this.maxOutputChars = builder.maxOutputChars;
    this.commandTimeout = builder.commandTimeout;
  }

  /**
   * Tools on one sandbox, shared by every conversation. Closing the tools leaves the sandbox
   * alone: it belongs to the caller.
   *
   * @param sandbox the sandbox
   * @return the tools
   */
  public static SandboxTools of(Sandbox sandbox) {
    return builder(sandbox).build();
  }

  /**
   * Tools that give each chat memory id a sandbox of its own, made from {@code options} on the
   * memory id's first tool call. Closing the tools deletes those sandboxes.
   *
   * @param fleet the fleet to create sandboxes with; stays open
   * @param options what each sandbox is made from
   * @return the tools
   */
  public static SandboxTools perMemoryId(SandboxFleet fleet, SandboxOptions options) {
    return builder(fleet, options).build();
  }

  /**
   * A builder for tools on one sandbox.
   *
   * @param sandbox the sandbox
   * @return the builder
   */
  public static Builder builder(Sandbox sandbox) {
    return new Builder(Objects.requireNonNull(sandbox, "sandbox"), null, null);
  }

  /**
   * A builder for tools with a sandbox per chat memory id.
   *
   * @param fleet the fleet to create sandboxes with
   * @param options what each sandbox is made from
   * @return the builder
   */
  public static Builder builder(SandboxFleet fleet, SandboxOptions options) {
    return new Builder(null, Objects.requireNonNull(fleet, "fleet"),
        Objects.requireNonNull(options, "options"));
  }

  /**
   * Runs a shell command in the sandbox.
   *
   * @param command the command line
   * @param memoryId the calling conversation, filled in by LangChain4j
   * @return the exit code, standard output and standard error, as text
   */
  @Tool(name = "execute_command", value = "Runs a shell command in the sandbox, an isolated Linux "
      + "machine, and returns its exit code, standard output and standard error. Wrap pipes, "
      + "redirections and ';' in sh -c '...'.")
  public String executeCommand(
      @P(name = "command", value = "The command line, e.g. python3 main.py") String command,
      @ToolMemoryId Object memoryId) {
    return guarded("execute_command", () -> {
      ExecutionResult result = sandbox(memoryId).commands().run(command, commandTimeout);
      StringBuilder out = new StringBuilder();
      out.append("exit_code: ").append(result.exitCode());
      if (result.timedOut()) {
        out.append(" (stopped after ").append(commandTimeout.toSeconds()).append(" s)");
      }
      out.append("\nstdout:\n").append(result.stdout());
      if (!result.stderr().isEmpty()) {
        out.append("\nstderr:\n").append(result.stderr());
      }
      return out.toString();
    });
  }

  /**
   * Writes a text file in the sandbox.
   *
   * @param path the file's path
   * @param content its text
   * @param memoryId the calling conversation
   * @return a confirmation
   */
  @Tool(name = "write_file", value = "Writes a text file in the sandbox, replacing it if it "
      + "exists and creating its directories.")
  public String writeFile(
      @P(name = "path", value = "Path relative to the sandbox's working directory") String path,
      @P(name = "content", value = "The file's whole text") String content,
      @ToolMemoryId Object memoryId) {
    return guarded("write_file", () -> {
      sandbox(memoryId).files().write(path, content);
      return "Wrote " + content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
          + " bytes to " + path;
    });
  }

  /**
   * Reads a text file in the sandbox.
   *
   * @param path the file's path
   * @param memoryId the calling conversation
   * @return the file's text
   */
  @Tool(name = "read_file", value = "Reads a text file in the sandbox.")
  public String readFile(
      @P(name = "path", value = "Path relative to the sandbox's working directory") String path,
      @ToolMemoryId Object memoryId) {
    return guarded("read_file", () -> sandbox(memoryId).files().readString(path));
  }

  /**
   * Lists a directory in the sandbox.
   *
   * @param path the directory
   * @param memoryId the calling conversation
   * @return one line per entry
   */
  @Tool(name = "list_files", value = "Lists a directory in the sandbox: one line per entry, "
      + "with its type and size.")
  public String listFiles(
      @P(name = "path", value = "Directory path; '.' for the working directory") String path,
      @ToolMemoryId Object memoryId) {
    return guarded("list_files", () -> {
      List<FileEntry> entries = sandbox(memoryId).files().list(path);
      if (entries.isEmpty()) {
        return "(empty directory)";
      }
      StringBuilder out = new StringBuilder();
      for (FileEntry entry : entries) {
        out.append(entry.isDirectory() ? "dir  " : "file ").append(entry.name());
        if (!entry.isDirectory()) {
          out.append(" (").append(entry.size()).append(" bytes)");
        }
        out.append('\n');
      }
      return out.toString();
    });
  }

  /**
   * Deletes the sandbox of a conversation that ended, if these tools created one for it; the
   * next tool call of the same memory id gets a fresh one. Pair it with the AI service's
   * {@code evictChatMemory}.
   *
   * @param memoryId the conversation
   * @return whether a sandbox was deleted
   */
  public boolean release(Object memoryId) {
    return created != null && created.release(memoryId);
  }

  /**
   * Deletes every sandbox these tools created; a shared sandbox given to {@link #of(Sandbox)}
   * stays. Later tool calls answer with an error. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (created != null) {
      created.close();
    }
  }

  private Sandbox sandbox(@Nullable Object memoryId) {
    if (closed) {
      throw new IllegalStateException("the sandbox tools are closed");
    }
    if (shared != null) {
      return shared;
    }
    Object key = memoryId == null ? DEFAULT_MEMORY_ID : memoryId;
    return Objects.requireNonNull(created).get(key);
  }

  private String guarded(String tool, Call call) {
    String text;
    try {
      text = call.run();
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      LOG.info("Tool {} failed: {}", tool, e.getMessage());
      return "ERROR: " + e.getMessage();
    }
    if (text.length() > maxOutputChars) {
      return text.substring(0, maxOutputChars) + "\n[cut: " + (text.length() - maxOutputChars)
          + " more characters]";
    }
    return text;
  }

  @FunctionalInterface
  private interface Call {
    String run();
  }

  /** Builds {@link SandboxTools}. */
  public static final class Builder {
    private final @Nullable Sandbox sandbox;
    private final @Nullable SandboxFleet fleet;
    private final @Nullable SandboxOptions options;
    private int maxOutputChars = DEFAULT_MAX_OUTPUT_CHARS;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private @Nullable Duration idleTimeout;

    private Builder(@Nullable Sandbox sandbox, @Nullable SandboxFleet fleet,
        @Nullable SandboxOptions options) {
      this.sandbox = sandbox;
      this.fleet = fleet;
      this.options = options;
    }

    /**
     * The most characters of one tool result the model sees; default
     * {@value SandboxTools#DEFAULT_MAX_OUTPUT_CHARS}.
     *
     * @param chars at least 100
     * @return this builder
     */
    public Builder maxOutputChars(int chars) {
      if (chars < 100) {
        throw new IllegalArgumentException("maxOutputChars must be at least 100, got " + chars);
      }
      this.maxOutputChars = chars;
      return this;
    }

    /**
     * How long a command may run before the sandbox stops it; default 2 minutes.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder commandTimeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("commandTimeout must be positive, got " + timeout);
      }
      this.commandTimeout = timeout;
      return this;
    }

    /**
     * Deletes a memory id's sandbox once it has made no tool call for this long; its next call
     * gets a new one. For tools with a sandbox per memory id; unset, sandboxes live until
     * released or closed. Keep it above the command timeout.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalStateException for tools on one shared sandbox
     */
    public Builder idleTimeout(Duration timeout) {
      if (sandbox != null) {
        throw new IllegalStateException("idleTimeout needs a sandbox per memory id; this sandbox is shared");
      }
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("idleTimeout must be positive, got " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Builds the tools.
     *
     * @return the tools
     */
    public SandboxTools build() {
      return new SandboxTools(this);
    }
  }
}
