package dev.agentsandbox.client.internal;

import dev.agentsandbox.model.internal.KubernetesNames;

/**
 * Checks of every value that becomes part of a request line or header, made before anything is
 * sent, so that a value from a user or from the cluster cannot split a header, smuggle a
 * request or address another sandbox. Messages never quote a secret.
 */
public final class HeaderValues {
  private static final int MAX_TOKEN_LENGTH = 16 * 1024;

  private HeaderValues() {
  }

  /**
   * Checks a router token: 1 to 16 KiB of visible ASCII (RFC 6750 {@code b64token} and the
   * JWT alphabet are subsets), no spaces or control characters.
   *
   * @throws IllegalArgumentException naming the offending position, never the token
   */
  public static void requireBearerToken(String token) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("router auth token must not be empty");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new IllegalArgumentException("router auth token is longer than " + MAX_TOKEN_LENGTH
          + " characters");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new IllegalArgumentException("router auth token has a character an HTTP header "
            + "cannot carry (" + describe(c) + ") at index " + i);
      }
    }
  }

  /**
   * Checks the routing values of a sandbox: they go into {@code X-Sandbox-ID} and
   * {@code X-Sandbox-Namespace} and into DNS names.
   *
   * @throws IllegalArgumentException if either is not a DNS-1123 label
   */
  public static void requireRoutable(SandboxRef ref) {
    KubernetesNames.requireLabel("sandbox name", ref.sandboxName());
    KubernetesNames.requireLabel("sandbox namespace", ref.namespace());
  }

  /**
   * Checks a host name or IP address taken from the cluster (a Gateway address, a pod IP).
   *
   * @param what what the value is, for the message
   * @throws IllegalArgumentException if the value could not be used as a URL host
   */
  public static void requireHost(String what, String host) {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
      if (!ok) {
        throw new IllegalArgumentException(what + " has a character a host name cannot have ("
            + describe(c) + ") at index " + i);
      }
    }
  }

  private static String describe(char c) {
    return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }
}
