package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * A path given to a file operation was rejected before anything was sent: it contains a
 * {@code ..} segment, a NUL or other control character, or names the base directory where a
 * file is required; the destination of a write also must not contain a {@code "}.
 *
 * @since 0.1.0
 */
public class InvalidSandboxPathException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final String path;

  /**
   * Creates the exception.
   *
   * @param path the path as the caller gave it
   * @param problem why it was rejected
   * @param claimName the claim, may be null
   * @param namespace its namespace, may be null
   */
  public InvalidSandboxPathException(String path, String problem, @Nullable String claimName,
      @Nullable String namespace) {
    super("Invalid sandbox path " + printable(path) + ": " + problem
        + "; use a path relative to the sandbox's base directory without '..'",
        claimName, namespace, null);
    this.path = path;
  }

  /**
   * The rejected path, exactly as given.
   *
   * @return the path, possibly with control characters
   */
  public String path() {
    return path;
  }

  private static String printable(String path) {
    if (path == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("'");
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('\'').toString();
  }
}
