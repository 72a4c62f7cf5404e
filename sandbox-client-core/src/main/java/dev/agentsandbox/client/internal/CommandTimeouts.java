package dev.agentsandbox.client.internal;

import java.util.regex.Pattern;

/**
 * Recognises the runtime's answer for a command it killed at its time limit. The wire format has
 * no field for it: the reference runtime answers 200 with exit code 1, empty stdout and stderr
 * {@code Failed to execute command: Command '[...]' timed out after <n> seconds} (Python's
 * {@code TimeoutExpired} text), and the embedded runtime answers the same.
 */
final class CommandTimeouts {
  private static final Pattern TIMED_OUT = Pattern.compile(
      "Failed to execute command: Command '.*' timed out after [0-9]+(\\.[0-9]+)? seconds?\\s*",
      Pattern.DOTALL);

  private CommandTimeouts() {
  }

  /** Whether an {@code /execute} answer reports that the runtime killed the command in time. */
  static boolean timedOut(int exitCode, String stdout, String stderr) {
    return exitCode == 1 && stdout.isEmpty() && TIMED_OUT.matcher(stderr).matches();
  }
}
