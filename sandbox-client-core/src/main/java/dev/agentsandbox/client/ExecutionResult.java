package dev.agentsandbox.client;

import java.util.Objects;

/**
 * The outcome of a command run in a sandbox. A non-zero exit code is a result, not an
 * exception; so is a command the runtime could not start or had to kill (exit code 1, stderr
 * starting {@code Failed to execute command:}).
 *
 * @param stdout everything the command wrote to standard output, decoded as UTF-8
 * @param stderr everything the command wrote to standard error, decoded as UTF-8
 * @param exitCode the command's exit code
 * @since 0.1.0
 */
public record ExecutionResult(String stdout, String stderr, int exitCode) {
  /**
   * Creates a result.
   *
   * @param stdout standard output
   * @param stderr standard error
   * @param exitCode the exit code
   * @throws NullPointerException if stdout or stderr is null
   */
  public ExecutionResult {
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
  }

  /**
   * Whether the command exited with code 0.
   *
   * @return {@code exitCode() == 0}
   */
  public boolean succeeded() {
    return exitCode == 0;
  }
}
