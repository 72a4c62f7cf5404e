package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The calling thread was interrupted ({@link Thread#interrupt()}, or
 * {@link java.util.concurrent.Future#cancel(boolean) Future.cancel(true)}) while the client
 * waited: for a sandbox to become ready, for a request to the sandbox, or between retries. The
 * request in flight was cancelled, its connection closed, and the thread's interrupt flag is
 * set again when this is thrown. A command cancelled this way may have started in the sandbox
 * and may still run there; the message says when that can be.
 *
 * @since 0.1.0
 */
public class SandboxInterruptedException extends SandboxException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was interrupted and what became of it
   * @param claimName the claim, may be null
   * @param namespace its namespace, may be null
   * @param cause the interruption or the cancelled call's failure, may be null
   */
  public SandboxInterruptedException(String message, @Nullable String claimName,
      @Nullable String namespace,
      @Nullable Throwable cause) {
    super(message, claimName, namespace, cause);
  }
}
