package dev.agentsandbox.local.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The bearer token of the local API server: random, 256 bits, made when the server starts and
 * known only to the cluster's own clients and to whoever can read its kubeconfig. The API
 * server listens on loopback, where every local user can connect; without this token another
 * user could create claims or open port-forwards to the sandboxes.
 *
 * <p>Thread-safe. {@link #toString()} does not reveal the token.
 */
public final class ApiCredential {
  private static final int TOKEN_BYTES = 32;
  private static final String SCHEME = "Bearer ";

  private final String token;
  private final byte[] expectedDigest;

  private ApiCredential(String token) {
    this.token = token;
    this.expectedDigest = sha256(SCHEME + token);
  }

  /** A new random credential. */
  public static ApiCredential generate() {
    byte[] bytes = new byte[TOKEN_BYTES];
    new SecureRandom().nextBytes(bytes);
    return new ApiCredential(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /** The token itself, for the cluster's clients and its kubeconfig only: never log it. */
  public String token() {
    return token;
  }

  /**
   * Whether the {@code Authorization} header values of a request carry this credential: exactly
   * one value, {@code Bearer <token>}. Digests of equal length are compared in constant time,
   * so neither the position of the first wrong character nor the length of the presented value
   * shows in the time taken.
   */
  public boolean admits(List<String> authorizationValues) {
    // Exactly one header: with several, which one a proxy in between honoured is unclear.
    if (authorizationValues == null || authorizationValues.size() != 1 || authorizationValues.get(0) == null) {
      return false;
    }
    return MessageDigest.isEqual(expectedDigest, sha256(authorizationValues.get(0)));
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "ApiCredential[bearer token, not shown]";
  }
}
