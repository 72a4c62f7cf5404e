package dev.agentsandbox.client;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * A process running in a sandbox, started with {@link SandboxCommands#start}: its output
 * arrives while it runs, its standard input stays open, and it takes signals and, with a
 * terminal, window sizes. Closing the handle ends the process.
 *
 * <pre>{@code
 * try (SandboxProcess tests = sandbox.commands().start(ProcessSpec.shell("pytest -q"))) {
 *   tests.onStdoutLine(line -> log.info("pytest: {}", line));
 *   ExecutionResult result = tests.onExit().get(10, TimeUnit.MINUTES);
 * }
 * }</pre>
 *
 * <h2>Output</h2>
 * Each of {@link #stdout()} and {@link #stderr()} is a {@link Flow.Publisher} of byte chunks for
 * one subscriber, which gets the stream from its first byte and sets the pace: the sandbox
 * process is held back (at its next write to a full pipe) while the subscriber has not asked for
 * more. Both streams share one connection, so a stalled stdout subscriber also stalls stderr. A
 * stream nobody subscribes to by the time {@link #onExit()} is called is collected into the
 * result instead, up to the client's response limit (beyond it the process is killed and
 * {@code onExit()} fails with {@link SandboxResponseTooLargeException}); a subscribed stream's
 * text in the result is empty.
 *
 * <p>Thread-safe. Subscribers are called on the client's I/O threads and must not block.
 *
 * @since 0.1.0
 */
public interface SandboxProcess extends AutoCloseable {

  /**
   * The process's standard output (or, with a terminal, everything it writes).
   *
   * @return a publisher for one subscriber; a second one gets {@code onError}
   */
  Flow.Publisher<ByteBuffer> stdout();

  /**
   * The process's standard error; empty with a terminal.
   *
   * @return a publisher for one subscriber; a second one gets {@code onError}
   */
  Flow.Publisher<ByteBuffer> stderr();

  /**
   * Subscribes to stdout and hands {@code handler} each line, decoded as UTF-8 without its line
   * terminator ({@code \n} or {@code \r\n}); a last line without terminator is handed over at the
   * end.
   *
   * @param handler called on an I/O thread, one line at a time; must not block
   * @throws IllegalStateException if stdout already has a subscriber
   */
  void onStdoutLine(Consumer<String> handler);

  /**
   * As {@link #onStdoutLine}, for stderr.
   *
   * @param handler called on an I/O thread, one line at a time; must not block
   * @throws IllegalStateException if stderr already has a subscriber
   */
  void onStderrLine(Consumer<String> handler);

  /**
   * The process's standard input. Writes are sent in order; {@code flush()} waits until what
   * was written reached the sandbox; {@code close()} is {@link #closeStdin()}.
   *
   * @return the stream, the same on every call
   */
  OutputStream stdin();

  /**
   * Closes standard input after what was written, so that a process reading it sees its end.
   * Idempotent.
   *
   * @throws SandboxException if the sandbox cannot be told
   */
  void closeStdin();

  /**
   * Sends {@code signal} to the process and what it started.
   *
   * @param signal the signal
   * @throws SandboxException if the sandbox cannot be told (not if the process already ended)
   */
  void signal(ProcessSignal signal);

  /**
   * Changes the size of the process's terminal; its foreground program gets {@code SIGWINCH}.
   *
   * @param cols columns, 1 to 65535
   * @param rows rows, 1 to 65535
   * @throws IllegalStateException if the process was started without a terminal
   * @throws IllegalArgumentException if a dimension is out of range
   * @throws SandboxException if the sandbox cannot be told
   */
  void resize(int cols, int rows);

  /**
   * Completes when the process ended and all its output was delivered: with its exit code and
   * the text of the streams nobody subscribed to. A process killed by a signal has exit code
   * 128 plus the signal's number on our runtime ({@code -1} on the reference's sandboxd); one
   * killed for its {@link ProcessSpec#timeout() timeout} has {@link ExecutionResult#timedOut()}
   * set. Fails with a {@link SandboxException} when the connection to the sandbox fails.
   * Cancelling the future kills the process.
   *
   * @return the future, the same on every call
   */
  CompletableFuture<ExecutionResult> onExit();

  /**
   * Whether the process is still running (its exit has not been seen).
   *
   * @return true until {@link #onExit()} completes
   */
  boolean isAlive();

  /** Kills the process with {@code SIGKILL}; does nothing once it ended. Never throws. */
  void kill();

  /** Kills the process if it still runs and releases the handle's resources. Idempotent. */
  @Override
  void close();
}
