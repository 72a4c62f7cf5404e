package dev.agentsandbox.router.internal;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Checks the {@code Authorization: Bearer <token>} header of a request against the router's
 * token. Thread-safe.
 *
 * <p>Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, which takes the
 * same time wherever the digests differ; comparing digests rather than the tokens themselves
 * also keeps the token's length from showing in the time a comparison takes.
 */
public final class BearerTokenCheck {
  /** Detail of the 401 answer to a request without a usable {@code Authorization} header. */
  public static final String MISSING = "Missing or invalid Authorization header.";
  /** Detail of the 401 answer to a request with the wrong token. */
  public static final String INVALID = "Invalid token.";

  private final byte[] expectedDigest;

  /**
   * Creates a check.
   *
   * @param token the token clients must send; already validated
   */
  public BearerTokenCheck(String token) {
    this.expectedDigest = sha256(token);
  }

  /**
   * Checks a request's headers.
   *
   * @return null if the request carries the token, else the reason to send back with a 401:
   *     {@link #MISSING} or {@link #INVALID}
   */
  public String reject(MultiMap headers) {
    List<String> values = headers.getAll(HttpHeaders.AUTHORIZATION);
    if (values.size() != 1) {
      return MISSING;
    }
    String value = values.get(0).strip();
    int space = indexOfWhitespace(value);
    if (space < 0 || !value.regionMatches(true, 0, "Bearer", 0, space) || space != "Bearer".length()) {
      return MISSING;
    }
    String presented = value.substring(space).strip();
    if (presented.isEmpty() || indexOfWhitespace(presented) >= 0) {
      return MISSING;
    }
    return MessageDigest.isEqual(expectedDigest, sha256(presented)) ? null : INVALID;
  }

  private static int indexOfWhitespace(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isWhitespace(value.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }
}
