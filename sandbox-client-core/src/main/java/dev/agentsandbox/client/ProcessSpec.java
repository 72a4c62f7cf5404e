package dev.agentsandbox.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What to start in a sandbox: an argument vector (or a shell command line), extra environment
 * variables, a working directory, an optional terminal and a time limit. Immutable.
 *
 * <pre>{@code
 * ProcessSpec build = ProcessSpec.shell("pip install -r requirements.txt && pytest -q")
 *     .toBuilder().cwd("project").env("PIP_NO_COLOR", "1").timeout(Duration.ofMinutes(10)).build();
 * ProcessSpec repl = ProcessSpec.builder("python3", "-i").terminal(120, 40).build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class ProcessSpec {
  private final List<String> command;
  private final Map<String, String> environment;
  private final @Nullable String cwd;
  private final @Nullable TerminalSize terminal;
  private final @Nullable Duration timeout;

  private ProcessSpec(Builder builder) {
    this.command = List.copyOf(builder.command);
    this.environment = Map.copyOf(builder.environment);
    this.cwd = builder.cwd;
    this.terminal = builder.terminal;
    this.timeout = builder.timeout;
  }

  /**
   * Runs {@code commandLine} with {@code /bin/sh -c}, so pipes, redirections and variables work.
   *
   * @param commandLine a shell command line
   * @return the spec, with no other settings
   * @throws IllegalArgumentException if the line is blank
   */
  public static ProcessSpec shell(String commandLine) {
    Objects.requireNonNull(commandLine, "commandLine");
    if (commandLine.isBlank()) {
      throw new IllegalArgumentException("commandLine must not be blank");
    }
    return builder("/bin/sh", "-c", commandLine).build();
  }

  /**
   * Runs {@code argv} as it is, without a shell.
   *
   * @param argv the program and its arguments
   * @return the spec, with no other settings
   * @throws IllegalArgumentException if there is no program
   */
  public static ProcessSpec of(String... argv) {
    return builder(argv).build();
  }

  /**
   * A builder for {@code argv}.
   *
   * @param argv the program and its arguments
   * @return a builder
   * @throws IllegalArgumentException if there is no program, or an argument holds a NUL
   */
  public static Builder builder(String... argv) {
    return new Builder(List.of(argv));
  }

  /**
   * A builder for {@code argv}.
   *
   * @param argv the program and its arguments
   * @return a builder
   * @throws IllegalArgumentException if there is no program, or an argument holds a NUL
   */
  public static Builder builder(List<String> argv) {
    return new Builder(List.copyOf(argv));
  }

  /**
   * A builder holding these settings.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder builder = new Builder(command);
    builder.environment.putAll(environment);
    builder.cwd = cwd;
    builder.terminal = terminal;
    builder.timeout = timeout;
    return builder;
  }

  /**
   * The program and its arguments.
   *
   * @return the argument vector, never empty
   */
  public List<String> command() {
    return command;
  }

  /**
   * Variables added to the sandbox's environment for this process.
   *
   * @return the variables, possibly empty
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * The working directory, relative to the sandbox root (or absolute inside it).
   *
   * @return the directory, or empty for the sandbox root
   */
  public Optional<String> cwd() {
    return Optional.ofNullable(cwd);
  }

  /**
   * The pseudo-terminal the process gets.
   *
   * @return the terminal's size, or empty for plain pipes
   */
  public Optional<TerminalSize> terminal() {
    return Optional.ofNullable(terminal);
  }

  /**
   * How long the process may run before the client kills it.
   *
   * @return the limit, or empty for none (a live process) or the client's run timeout (a run)
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  @Override
  public String toString() {
    // The command and the variables' values may hold secrets; only their shape is shown.
    return "ProcessSpec[program=" + command.get(0) + ", args=" + (command.size() - 1) + ", env="
        + environment.keySet() + ", cwd=" + cwd + ", terminal=" + terminal + ", timeout=" + timeout
        + "]";
  }

  /**
   * A terminal's window size in character cells.
   *
   * @param cols columns, 1 to 65535
   * @param rows rows, 1 to 65535
   * @since 0.1.0
   */
  public record TerminalSize(int cols, int rows) {
    /**
     * Checks the size.
     *
     * @throws IllegalArgumentException if a dimension is out of range
     */
    public TerminalSize {
      if (cols < 1 || cols > 0xffff || rows < 1 || rows > 0xffff) {
        throw new IllegalArgumentException("terminal size must be 1 to 65535 columns and rows, got "
            + cols + "x" + rows);
      }
    }
  }

  /**
   * Builds a {@link ProcessSpec}. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final List<String> command;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable String cwd;
    private @Nullable TerminalSize terminal;
    private @Nullable Duration timeout;

    private Builder(List<String> command) {
      if (command.isEmpty() || command.get(0).isEmpty()) {
        throw new IllegalArgumentException("a process needs a program to run");
      }
      for (String word : command) {
        if (word.indexOf('\0') >= 0) {
          throw new IllegalArgumentException("a command argument holds a NUL character");
        }
      }
      this.command = command;
    }

    /**
     * Adds an environment variable.
     *
     * @param name a non-empty name without {@code =} or NUL
     * @param value the value, without NUL
     * @return this builder
     * @throws IllegalArgumentException if the name or value is invalid
     */
    public Builder env(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0
          || value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("invalid environment variable name or value: name must "
            + "be non-empty without '=' or NUL, value without NUL");
      }
      environment.put(name, value);
      return this;
    }

    /**
     * Adds environment variables.
     *
     * @param variables names to values
     * @return this builder
     * @throws IllegalArgumentException if a name or value is invalid
     */
    public Builder env(Map<String, String> variables) {
      variables.forEach(this::env);
      return this;
    }

    /**
     * Sets the working directory.
     *
     * @param cwd relative to the sandbox root, or absolute inside it; null for the root
     * @return this builder
     * @throws IllegalArgumentException if it holds a NUL
     */
    public Builder cwd(@Nullable String cwd) {
      if (cwd != null && cwd.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("cwd holds a NUL character");
      }
      this.cwd = cwd == null || cwd.isEmpty() ? null : cwd;
      return this;
    }

    /**
     * Gives the process a pseudo-terminal of this size: its standard streams are the terminal,
     * so stderr arrives on stdout and what is written to stdin is echoed.
     *
     * @param cols columns, 1 to 65535
     * @param rows rows, 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if a dimension is out of range
     */
    public Builder terminal(int cols, int rows) {
      this.terminal = new TerminalSize(cols, rows);
      return this;
    }

    /**
     * Limits how long the process may run; the client kills it then, and its result says
     * {@link ExecutionResult#timedOut() timed out}.
     *
     * @param timeout positive, at most 24 hours; null for no limit
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder timeout(@Nullable Duration timeout) {
      if (timeout != null && (timeout.isZero() || timeout.isNegative()
          || timeout.compareTo(Duration.ofHours(24)) > 0)) {
        throw new IllegalArgumentException("timeout must be positive and at most 24 hours: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     */
    public ProcessSpec build() {
      return new ProcessSpec(this);
    }
  }
}
