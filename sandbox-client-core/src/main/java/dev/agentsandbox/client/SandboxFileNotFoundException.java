package dev.agentsandbox.client;

/**
 * The runtime answered 404: the file to read does not exist, or the directory to list is not a
 * directory.
 *
 * @since 0.1.0
 */
public class SandboxFileNotFoundException extends SandboxRequestException {
  private static final long serialVersionUID = 1L;

  private final String path;

  /**
   * Creates the exception.
   *
   * @param path the normalised path that was not found
   * @param bodyExcerpt the start of the response body
   * @param claimName the claim
   * @param namespace its namespace
   */
  public SandboxFileNotFoundException(String path, String bodyExcerpt, String claimName,
      String namespace) {
    super(404, bodyExcerpt, "'" + path + "' not found in the sandbox of SandboxClaim '" + claimName
        + "' (namespace '" + namespace + "'): paths are relative to the runtime's base directory",
        claimName, namespace);
    this.path = path;
  }

  /**
   * The path that was not found.
   *
   * @return the normalised, relative path
   */
  public String path() {
    return path;
  }
}
