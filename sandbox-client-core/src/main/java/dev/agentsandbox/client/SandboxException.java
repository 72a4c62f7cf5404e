package dev.agentsandbox.client;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Root of every exception the sandbox client throws. Unchecked, like fabric8's
 * {@code KubernetesClientException}. Carries the claim name and namespace when they are known,
 * so a failure can be traced back to the cluster resource
 * ({@code kubectl describe sandboxclaim <claim> -n <namespace>}), and the HTTP status of the
 * failed call when there was one: the Kubernetes API server's (taken from a
 * {@code KubernetesClientException} cause) or, for {@link SandboxRequestException}, the router's
 * or runtime's.
 *
 * @since 0.1.0
 */
public class SandboxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The {@link #statusCode()} of a failure without an HTTP status. */
  public static final int NO_STATUS = -1;

  private final String claimName;
  private final String namespace;
  private final int statusCode;

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
  public SandboxException(String message, @Nullable Throwable cause) {
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
  public SandboxException(String message, @Nullable String claimName, @Nullable String namespace,
      @Nullable Throwable cause) {
    this(message, claimName, namespace, cause, statusOf(cause));
  }

  /**
   * Creates an exception about a claim with a known HTTP status.
   *
   * @param message what went wrong and what to do next
   * @param claimName name of the SandboxClaim, may be null when unknown
   * @param namespace namespace of the SandboxClaim, may be null when unknown
   * @param cause the underlying failure, may be null
   * @param statusCode the HTTP status of the failed call, or {@link #NO_STATUS}
   */
  protected SandboxException(String message, @Nullable String claimName,
      @Nullable String namespace, @Nullable Throwable cause, int statusCode) {
    super(message, cause);
    this.claimName = claimName;
    this.namespace = namespace;
    this.statusCode = statusCode;
  }

  /** The status of the first Kubernetes or sandbox failure with one in a cause chain. */
  private static int statusOf(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() > 0) {
        return k.getCode();
      }
      if (t instanceof SandboxException s && s.statusCode != NO_STATUS) {
        return s.statusCode;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return NO_STATUS;
  }

  /**
   * The HTTP status of the call that failed: the Kubernetes API server's (for example 403 when
   * the client may not create claims, 409 on a conflict) or, for a
   * {@link SandboxRequestException}, the router's or runtime's.
   *
   * @return the status code, or {@link #NO_STATUS} ({@value #NO_STATUS}) when the failure had
   *     none (a connection failure, a timeout, a condition reported by the controller)
   */
  public int statusCode() {
    return statusCode;
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
