package dev.agentsandbox.client;

/**
 * {@link SandboxFleet#attach(String, String)} was given the name of a SandboxClaim that does not
 * exist (it was deleted, expired, or the namespace is wrong).
 *
 * @since 0.1.0
 */
public class ClaimNotFoundException extends SandboxException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param claimName the claim looked for
   * @param namespace the namespace searched
   */
  public ClaimNotFoundException(String claimName, String namespace) {
    super("SandboxClaim '" + claimName + "' not found in namespace '" + namespace + "': it was "
        + "deleted or has expired; create a new sandbox instead", claimName, namespace, null);
  }
}
