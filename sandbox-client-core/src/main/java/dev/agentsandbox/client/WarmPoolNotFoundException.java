package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The warm pool a claim named does not exist (a condition with reason {@value #REASON}); see
 * {@link ClaimReferenceNotFoundException}.
 *
 * @since 0.1.0
 */
public class WarmPoolNotFoundException extends ClaimReferenceNotFoundException {
  private static final long serialVersionUID = 1L;

  /** The condition reason this exception stands for. */
  public static final String REASON = "WarmPoolNotFound";

  /**
   * Creates the exception.
   *
   * @param warmPoolName the pool the claim asked for, may be null if unknown
   * @param detail the controller's condition message, may be null
   * @param claimName the claim
   * @param namespace its namespace
   */
  public WarmPoolNotFoundException(@Nullable String warmPoolName, @Nullable String detail,
      String claimName,
      String namespace) {
    super(REASON, detail, warmPoolName == null ? "" : warmPoolName, claimName, namespace,
        "SandboxWarmPool "
        + (warmPoolName == null ? "" : "'" + warmPoolName + "' ") + "not found in namespace '"
        + namespace + "' (SandboxClaim '" + claimName + "'"
        + (detail == null || detail.isBlank() ? "" : ": " + detail)
        + "): create the pool or fix the warm pool name");
  }

  /**
   * The warm pool that was not found.
   *
   * @return the pool name, empty if the claim did not name one
   */
  public String warmPoolName() {
    return resourceName();
  }
}
