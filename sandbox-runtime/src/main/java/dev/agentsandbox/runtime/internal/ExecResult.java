package dev.agentsandbox.runtime.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The JSON body of a {@code POST /execute} response. */
@JsonPropertyOrder({"stdout", "stderr", "exit_code"})
public record ExecResult(String stdout, String stderr, @JsonProperty("exit_code") int exitCode) {

  static final String FAILURE_PREFIX = "Failed to execute command: ";

  /** A command that could not be run or did not finish, reported like the reference runtime. */
  static ExecResult failure(String reason) {
    return new ExecResult("", FAILURE_PREFIX + reason, 1);
  }
}
