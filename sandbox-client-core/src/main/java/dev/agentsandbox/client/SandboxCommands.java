package dev.agentsandbox.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Runs commands in one sandbox. On the legacy runtime, a command line is split into words by
 * the runtime (POSIX shell rules) and executed without a shell in the runtime's base directory;
 * use {@code run("sh -c 'a | b'")} for pipes, redirection and variables. On sandboxd it runs
 * with {@code /bin/sh -c}, as the reference clients run it. A {@link ProcessSpec} runs the same
 * on both. A command is never re-sent once it may have reached the sandbox.
 *
 * <p>{@link #start} starts a live process whose output streams while it runs; {@link #runAsync}
 * runs a command without blocking the caller.
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

  /**
   * Runs {@code spec} to its end: its argument vector as it is (no shell), with its environment,
   * working directory and time limit ({@link ProcessSpec#timeout()}, else the run timeout).
   *
   * @param spec what to run; a {@linkplain ProcessSpec.Builder#terminal terminal} needs sandboxd
   * @return stdout, stderr and exit code
   * @throws IllegalArgumentException if the runtime cannot honour the spec
   * @throws SandboxException if the sandbox refused or could not be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  ExecutionResult run(ProcessSpec spec);

  /**
   * Runs a command line without blocking: as {@link #run(String)}, on the client's threads.
   *
   * @param command the command line
   * @return completes with the result, or exceptionally as {@link #run(String)} throws;
   *     cancelling it ends the command
   * @throws IllegalArgumentException if the command is blank
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  CompletableFuture<ExecutionResult> runAsync(String command);

  /**
   * Runs {@code spec} without blocking: as {@link #run(ProcessSpec)}, on the client's threads.
   * On sandboxd, many calls share one connection and no thread waits for any of them.
   *
   * @param spec what to run
   * @return completes with the result, or exceptionally as {@link #run(ProcessSpec)} throws;
   *     cancelling it ends the command
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  CompletableFuture<ExecutionResult> runAsync(ProcessSpec spec);

  /**
   * Starts a shell command line ({@code /bin/sh -c}) as a live process; see
   * {@link #start(ProcessSpec)}.
   *
   * @param commandLine the command line
   * @return the running process; close it to end it
   * @throws IllegalArgumentException if the line is blank
   * @throws UnsupportedOperationException if the sandbox runs the legacy runtime and pods/exec
   *     is not allowed
   * @throws SandboxException if the sandbox refused the process or could not be reached
   */
  SandboxProcess start(String commandLine);

  /**
   * Starts a live process: its output streams while it runs, its standard input stays open, and
   * it takes signals and, with a terminal, window sizes. Returns once the process runs. Native to
   * sandboxd ({@link Runtime#SANDBOXD}); on the legacy runtime it goes through the Kubernetes
   * {@code pods/exec} API when {@link SandboxFleet.Builder#podExec(boolean)} allows it.
   *
   * @param spec what to start; its timeout, if any, kills it
   * @return the running process; close it to end it
   * @throws UnsupportedOperationException if the sandbox runs the legacy runtime and pods/exec
   *     is not allowed
   * @throws SandboxException if the sandbox refused the process (for example
   *     {@link SandboxRequestException} with status 404 for a program that does not exist) or
   *     could not be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  SandboxProcess start(ProcessSpec spec);
}
