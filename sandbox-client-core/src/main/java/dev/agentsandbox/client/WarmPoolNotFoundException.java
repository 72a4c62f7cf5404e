package dev.agentsandbox.client;

/**
 * The warm pool a claim named does not exist (a condition with reason
 * {@code WarmPoolNotFound}), so the controller will never serve the claim. Thrown at once,
 * after the claim was deleted.
 *
 * @since 0.1.0
 */
public class WarmPoolNotFoundException extends ClaimFailedException {
  private static final long serialVersionUID = 1L;

  /** The condition reason this exception stands for. */
  public static final String REASON = "WarmPoolNotFound";

  private final String warmPoolName;

  /**
   * Creates the exception.
   *
   * @param warmPoolName the pool the claim asked for, may be null if unknown
   * @param detail the controller's condition message, may be null
   * @param claimName the claim
   * @param namespace its namespace
   */
  public WarmPoolNotFoundException(String warmPoolName, String detail, String claimName,
      String namespace) {
    super(REASON, detail, claimName, namespace, "SandboxWarmPool "
        + (warmPoolName == null ? "" : "'" + warmPoolName + "' ") + "not found in namespace '"
        + namespace + "' (SandboxClaim '" + claimName + "'"
        + (detail == null || detail.isBlank() ? "" : ": " + detail)
        + "): create the pool or fix the warm pool name");
    this.warmPoolName = warmPoolName == null ? "" : warmPoolName;
  }

  /**
   * The warm pool that was not found.
   *
   * @return the pool name, empty if the claim did not name one
   */
  public String warmPoolName() {
    return warmPoolName;
  }
}
