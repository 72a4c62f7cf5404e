package dev.agentsandbox.router;

/**
 * Thrown by {@link SandboxRouter#start} when the router cannot start: the Sandbox watch could
 * not be established, or the HTTP server could not listen.
 *
 * @since 0.1.0
 */
public class RouterStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to check next
   * @param cause the underlying failure, may be null
   */
  public RouterStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
