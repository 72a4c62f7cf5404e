package dev.agentsandbox.runtime.internal;

/**
 * The answer to one {@code POST /execute}: the command's output and exit code, or why it has
 * none. Holds the command's slot and its spooled output until closed, which the one who answers
 * the request must do, whatever happens.
 *
 * @param failure why the command has no output (then {@code exitCode} is 1), or null
 * @param stdout the command's standard output, or null for a failure
 * @param stderr the command's standard error, or null for a failure
 * @param exitCode the command's exit code
 * @param release returns the command's slot; idempotent
 */
record CommandResult(String failure, OutputSpool stdout, OutputSpool stderr, int exitCode,
    Runnable release) implements AutoCloseable {

  static CommandResult failure(String reason, Runnable release) {
    return new CommandResult(reason, null, null, 1, release);
  }

  static CommandResult completed(OutputSpool stdout, OutputSpool stderr, int exitCode,
      Runnable release) {
    return new CommandResult(null, stdout, stderr, exitCode, release);
  }

  /** Whether the answer is small enough to build in memory: a failure or in-memory output. */
  boolean small() {
    return failure != null || (stdout.inMemory() && stderr.inMemory());
  }

  /**
   * The answer as JSON body, for a {@link #small()} result.
   *
   * @throws IllegalStateException if the output is not in memory
   */
  ExecResult toExecResult() {
    if (failure != null) {
      return ExecResult.failure(failure);
    }
    return new ExecResult(CommandRunner.decode(stdout.bytes()), CommandRunner.decode(stderr.bytes()),
        exitCode);
  }

  /** Frees the output and the command's slot. Idempotent; never throws. */
  @Override
  public void close() {
    if (stdout != null) {
      stdout.close();
    }
    if (stderr != null) {
      stderr.close();
    }
    release.run();
  }
}
