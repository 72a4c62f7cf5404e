package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The controller reported a condition it will not recover from (for example
 * {@code InvalidMetadata}, or a missing template or warm pool:
 * {@link ClaimReferenceNotFoundException}), or the claim was deleted while the client waited
 * for it. Thrown at once by {@link SandboxClient.Builder#build()},
 * {@link SandboxFleet#create(SandboxOptions)} and {@link SandboxFleet#attach(String, String)};
 * its subclass {@link SandboxGoneException} by operations on a sandbox whose claim went away
 * after it was ready.
 *
 * @since 0.1.0
 */
public class ClaimFailedException extends SandboxException {
  private static final long serialVersionUID = 1L;

  /** The {@link #reason()} used when the claim was deleted while waiting. */
  public static final String REASON_DELETED = "Deleted";

  private final String reason;
  private final String detail;

  /**
   * Creates the exception.
   *
   * @param reason the condition reason, or {@link #REASON_DELETED}
   * @param detail the condition message, may be null
   * @param claimName the failed claim
   * @param namespace its namespace
   */
  public ClaimFailedException(String reason, @Nullable String detail, String claimName,
      String namespace) {
    this(reason, detail, claimName, namespace, "SandboxClaim '" + claimName + "' in namespace '"
        + namespace + "' failed: " + reason
        + (detail == null || detail.isBlank() ? "" : " (" + detail + ")")
        + ": fix the cause, then create a new sandbox (kubectl describe sandboxclaim " + claimName
        + " -n " + namespace + " shows the controller's view)");
  }

  /**
   * Creates the exception with a message of the subclass's own.
   *
   * @param reason the condition reason
   * @param detail the condition message, may be null
   * @param claimName the failed claim
   * @param namespace its namespace
   * @param message what failed and what to do next
   */
  protected ClaimFailedException(String reason, @Nullable String detail, String claimName,
      String namespace, String message) {
    this(reason, detail, claimName, namespace, message, null);
  }

  /**
   * Creates the exception with a message of the subclass's own and the failure that led to it.
   *
   * @param reason the condition reason
   * @param detail the condition message, may be null
   * @param claimName the failed claim
   * @param namespace its namespace
   * @param message what failed and what to do next
   * @param cause the failure that revealed it, may be null
   * @since 0.1.0
   */
  protected ClaimFailedException(String reason, @Nullable String detail, String claimName,
      String namespace, String message, @Nullable Throwable cause) {
    super(message, claimName, namespace, cause);
    this.reason = reason;
    this.detail = detail == null ? "" : detail;
  }

  /**
   * The machine-readable reason, as in the claim's condition.
   *
   * @return for example {@code WarmPoolNotFound}, {@code ClaimExpired} or {@link #REASON_DELETED}
   */
  public String reason() {
    return reason;
  }

  /**
   * The human-readable condition message.
   *
   * @return the message, empty when the controller gave none
   */
  public String detail() {
    return detail;
  }
}
