package dev.agentsandbox.client;

import java.time.Duration;

/**
 * Runs commands in one sandbox. Commands are split into words by the runtime (POSIX shell
 * rules) and executed without a shell in the runtime's base directory; use
 * {@code run("sh -c 'a | b'")} for pipes, redirection and variables. A command is never re-sent
 * once it may have reached the sandbox.
 *
 * <p>Interrupting the calling thread (or {@code Future.cancel(true)}) cancels a call within a
 * fraction of a second: it throws {@link SandboxInterruptedException} with the interrupt flag
 * set. The command may then still run in the sandbox until its own timeout.
 * When the claim was deleted or expired under the handle, a run throws
 * {@link SandboxGoneException}; when the sandbox's pod was replaced, the next run throws
 * {@link SandboxRestartedException} once and is not run.
 *
 * @since 0.1.0
 */
public interface SandboxCommands {

  /**
   * Runs a command with the fleet's run timeout (180 s unless configured). Blocks until it
   * finishes.
   *
   * @param command the command line
   * @return stdout, stderr and exit code; a non-zero exit code is not an exception
   * @throws IllegalArgumentException if the command is blank
   * @throws SandboxRequestException if the router or runtime answers with an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws SandboxResponseTooLargeException if the output exceeds the response limit
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  ExecutionResult run(String command);

  /**
   * Runs a command, allowing it {@code timeout} to finish; the router is asked to wait that
   * long ({@code X-Sandbox-Timeout}). Blocks until it finishes.
   *
   * @param command the command line
   * @param timeout positive, at most 24 hours; rounded up to whole seconds
   * @return stdout, stderr and exit code
   * @throws IllegalArgumentException if the command is blank or the timeout out of range
   * @throws SandboxRequestException on an HTTP error (504 when the router gave up waiting)
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws SandboxResponseTooLargeException if the output exceeds the response limit
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  ExecutionResult run(String command, Duration timeout);
}
