package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The router or runtime answered a request with an HTTP error status (or a redirect, which is
 * never followed); {@link #statusCode()} is that status.
 *
 * @since 0.1.0
 */
public class SandboxRequestException extends SandboxException {
  private static final long serialVersionUID = 1L;

  /** The most characters of a response body kept in {@link #bodyExcerpt()}. */
  public static final int MAX_EXCERPT = 1024;

  private final String bodyExcerpt;

  /**
   * Creates the exception.
   *
   * @param statusCode the HTTP status
   * @param bodyExcerpt the start of the response body; cut to {@link #MAX_EXCERPT} characters
   * @param message what failed
   * @param claimName the claim, may be null
   * @param namespace its namespace, may be null
   */
  public SandboxRequestException(int statusCode, @Nullable String bodyExcerpt, String message,
      @Nullable String claimName, @Nullable String namespace) {
    super(message, claimName, namespace, null, statusCode);
    String body = bodyExcerpt == null ? "" : bodyExcerpt;
    this.bodyExcerpt = body.length() > MAX_EXCERPT ? body.substring(0, MAX_EXCERPT) : body;
  }

  /**
   * The start of the response body, decoded as UTF-8.
   *
   * @return at most {@link #MAX_EXCERPT} characters, empty if there was no body
   */
  public String bodyExcerpt() {
    return bodyExcerpt;
  }
}
