package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The client could not reach the sandbox: the tunnel to the router could not be opened or
 * broke, the router URL is unreachable, or a request failed at the network level.
 *
 * @since 0.1.0
 */
public class SandboxConnectionException extends SandboxException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to check
   * @param claimName the claim, may be null
   * @param namespace its namespace, may be null
   * @param cause the network failure, may be null
   */
  public SandboxConnectionException(String message, @Nullable String claimName,
      @Nullable String namespace,
      @Nullable Throwable cause) {
    super(message, claimName, namespace, cause);
  }
}
