package dev.agentsandbox.local.runtime.internal;

/**
 * How a command ended: its raw output and exit code, or why it has none.
 *
 * @param failure null if the command ran to its end; else why not, e.g. {@code killed}
 */
record CommandOutcome(byte[] stdout, byte[] stderr, int exitCode, String failure) {

  static CommandOutcome failure(String reason) {
    return new CommandOutcome(null, null, 1, reason);
  }

  boolean failed() {
    return failure != null;
  }
}
