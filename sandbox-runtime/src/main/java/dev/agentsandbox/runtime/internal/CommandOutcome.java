package dev.agentsandbox.runtime.internal;

/**
 * How a command ended: its exit code, or why it has none. Its output went to the sinks it was
 * run with.
 *
 * @param failure null if the command ran to its end; else why not, e.g. {@code killed}
 */
record CommandOutcome(int exitCode, String failure) {

  static CommandOutcome failure(String reason) {
    return new CommandOutcome(1, reason);
  }

  boolean failed() {
    return failure != null;
  }
}
