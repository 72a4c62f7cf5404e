package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The sandbox's claim went away while the sandbox was in use: it was deleted (by another
 * client, {@code kubectl}, or the controller when its {@code ttl} passed) or the controller
 * reports it expired. Thrown by commands and file operations when the router cannot reach the
 * sandbox (HTTP 502 or 503, or no connection) and one read of the claim shows why. The
 * sandbox is gone for good: create a new one. The router's or connection's failure is the
 * {@link #getCause() cause}.
 *
 * @since 0.1.0
 */
public class SandboxGoneException extends ClaimFailedException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param reason {@link #REASON_DELETED}, or the condition reason such as {@code ClaimExpired}
   * @param detail the condition message, may be null
   * @param claimName the claim
   * @param namespace its namespace
   * @param cause the failed call that revealed it
   */
  public SandboxGoneException(String reason, @Nullable String detail, String claimName,
      String namespace,
      Throwable cause) {
    super(reason, detail, claimName, namespace, "SandboxClaim '" + claimName + "' in namespace '"
        + namespace + "' is gone"
        + (REASON_DELETED.equals(reason)
            ? ": it was deleted (by another client, kubectl, or the controller when its ttl "
                + "passed)"
            : ": " + reason)
        + (detail == null || detail.isBlank() ? "" : " (" + detail + ")")
        + ", so its sandbox no longer exists; create a new sandbox", cause);
  }
}
