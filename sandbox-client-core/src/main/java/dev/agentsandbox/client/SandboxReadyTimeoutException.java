package dev.agentsandbox.client;

import java.time.Duration;

/**
 * The sandbox did not become ready within the configured ready timeout. The claim has been
 * deleted by the time this is thrown.
 *
 * @since 0.1.0
 */
public class SandboxReadyTimeoutException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * Creates the exception.
   *
   * @param timeout the ready timeout that elapsed
   * @param lastState the last state observed, for the message
   * @param claimName the claim waited for
   * @param namespace its namespace
   */
  public SandboxReadyTimeoutException(Duration timeout, String lastState, String claimName,
      String namespace) {
    super("SandboxClaim '" + claimName + "' in namespace '" + namespace + "' was not ready after "
        + timeout + " (last state: " + lastState + "): check that the agent-sandbox controller "
        + "runs and the template's pod can start, or raise readyTimeout", claimName, namespace, null);
    this.timeout = timeout;
  }

  /**
   * The timeout that elapsed.
   *
   * @return the configured ready timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
