package dev.agentsandbox.client;

import java.util.Optional;

/**
 * Root of every exception the sandbox client throws. Unchecked, like fabric8's
 * {@code KubernetesClientException}. Carries the claim name and namespace when they are known,
 * so a failure can be traced back to the cluster resource
 * ({@code kubectl describe sandboxclaim <claim> -n <namespace>}).
 *
 * @since 0.1.0
 */
public class SandboxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String claimName;
  private final String namespace;

  /**
   * Creates an exception without claim context.
   *
   * @param message what went wrong and what to do next
   */
  public SandboxException(String message) {
    this(message, null, null, null);
  }

  /**
   * Creates an exception without claim context.
   *
   * @param message what went wrong and what to do next
   * @param cause the underlying failure, may be null
   */
  public SandboxException(String message, Throwable cause) {
    this(message, null, null, cause);
  }

  /**
   * Creates an exception about a claim.
   *
   * @param message what went wrong and what to do next
   * @param claimName name of the SandboxClaim, may be null when unknown
   * @param namespace namespace of the SandboxClaim, may be null when unknown
   * @param cause the underlying failure, may be null
   */
  public SandboxException(String message, String claimName, String namespace, Throwable cause) {
    super(message, cause);
    this.claimName = claimName;
    this.namespace = namespace;
  }

  /**
   * The name of the SandboxClaim involved.
   *
   * @return the claim name, or empty when the failure happened before a claim existed
   */
  public Optional<String> claimName() {
    return Optional.ofNullable(claimName);
  }

  /**
   * The namespace of the SandboxClaim involved.
   *
   * @return the namespace, or empty when unknown
   */
  public Optional<String> namespace() {
    return Optional.ofNullable(namespace);
  }
}
