package dev.agentsandbox.client;

import java.util.Objects;

/**
 * The outcome of a command run in a sandbox. A non-zero exit code is a result, not an
 * exception; so is a command the runtime could not start or had to kill when its own time limit
 * passed, which the runtime answers with exit code 1 and a {@code stderr} starting
 * {@code Failed to execute command:}. {@link #timedOut()} tells the second case apart, so
 * callers need not read that text.
 *
 * <p>A command that outlives the client's wait (the run timeout plus a grace period) or the
 * router's is not a result: it fails with {@link SandboxConnectionException} or a
 * {@link SandboxRequestException} with status 504.
 *
 * @param stdout everything the command wrote to standard output, decoded as UTF-8
 * @param stderr everything the command wrote to standard error, decoded as UTF-8; the runtime's
 *     explanation when the command could not run or timed out
 * @param exitCode the command's exit code
 * @param timedOut whether the runtime killed the command because it ran out of time
 * @since 0.1.0
 */
public record ExecutionResult(String stdout, String stderr, int exitCode, boolean timedOut) {
  /**
   * Creates a result.
   *
   * @param stdout standard output
   * @param stderr standard error
   * @param exitCode the exit code
   * @param timedOut whether the runtime killed the command at its time limit
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
