package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * Spring AI tools that run commands and move files in a sandbox of the application's fleet:
 * {@code execute_command}, {@code write_file}, {@code read_file} and {@code list_files}. The
 * sandbox is made on the first call, from {@code agent-sandbox.template} or
 * {@code agent-sandbox.warm-pool}, shared by the calls that follow, and deleted with the fleet
 * when the application stops. A failure comes back to the model as a result whose
 * {@code error} says what went wrong.
 *
 * @since 0.1.0
 */
public class SandboxAiTools {
  private final SandboxFleet fleet;
  private final SandboxOptions options;
  private final Duration commandTimeout;
  private final Object lock = new Object();
  private @Nullable Sandbox sandbox;

  /**
   * Creates the tools.
   *
   * @param fleet the fleet that creates the sandbox
   * @param options what the sandbox is made from
   * @param commandTimeout how long a command may run
   */
  public SandboxAiTools(SandboxFleet fleet, SandboxOptions options, Duration commandTimeout) {
    this.fleet = Objects.requireNonNull(fleet, "fleet");
    this.options = Objects.requireNonNull(options, "options");
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
      ExecutionResult result = sandbox().commands().run(command, commandTimeout);
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
      sandbox().files().write(path, content);
      return new FileResult(path, null, null,
          content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, null);
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
      String content = sandbox().files().readString(path);
      return new FileResult(path, content, null,
          content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, null);
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
      List<String> entries = sandbox().files().list(path).stream()
          .map(e -> e.isDirectory() ? e.name() + "/" : e.name()).toList();
      return new FileResult(path, null, entries, 0, null);
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      return new FileResult(path, null, null, 0, e.getMessage());
    }
  }

  /**
   * The tools' sandbox, made on first use.
   *
   * @return the sandbox
   */
  public Sandbox sandbox() {
    synchronized (lock) {
      if (sandbox == null) {
        sandbox = fleet.create(options);
      }
      return sandbox;
    }
  }

}
