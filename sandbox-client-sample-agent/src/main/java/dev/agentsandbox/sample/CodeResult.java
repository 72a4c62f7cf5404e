package dev.agentsandbox.sample;

import java.util.Objects;

/**
 * What became of a piece of code {@link CodeRunner} ran: the outcome, the exit code and the
 * output, as the agent hands them back to its model.
 *
 * @param outcome whether the code succeeded, failed or ran out of time
 * @param exitCode the exit code of the code's process
 * @param stdout what the code printed
 * @param stderr what the code printed as errors (a Python traceback, a shell error)
 */
public record CodeResult(Outcome outcome, int exitCode, String stdout, String stderr) {

  /** How a run ended. */
  public enum Outcome {
    /** The code ran to its end and exited with 0. */
    SUCCEEDED,
    /** The code exited with another code (an exception, a failed command). */
    FAILED,
    /** The code ran longer than the runner's time limit and was stopped. */
    TIMED_OUT
  }

  /** Checks that every part is there. */
  public CodeResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
  }

  /** The result as the tool's answer to the model: the outcome, then the output. */
  public String toToolMessage() {
    StringBuilder message = new StringBuilder(switch (outcome) {
      case SUCCEEDED -> "The code ran successfully.";
      case FAILED -> "The code failed with exit code " + exitCode + ".";
      case TIMED_OUT -> "The code was stopped: it ran longer than allowed.";
    });
    if (!stdout.isEmpty()) {
      message.append("\nstdout:\n").append(stdout);
    }
    if (!stderr.isEmpty()) {
      message.append("\nstderr:\n").append(stderr);
    }
    return message.toString();
  }
}
