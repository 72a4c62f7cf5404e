package dev.agentsandbox.client;

/**
 * A response (command output or file content) was larger than the client's limit; it was
 * discarded rather than buffered. Raise {@link SandboxFleet.Builder#maxResponseSize(long)} or
 * produce less output (for example redirect it to a file and read parts of it).
 *
 * @since 0.1.0
 */
public class SandboxResponseTooLargeException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final long limitBytes;

  /**
   * Creates the exception.
   *
   * @param what what was being read, for the message
   * @param limitBytes the limit that was exceeded
   * @param claimName the claim
   * @param namespace its namespace
   */
  public SandboxResponseTooLargeException(String what, long limitBytes, String claimName,
      String namespace) {
    super(what + " from the sandbox of SandboxClaim '" + claimName + "' (namespace '" + namespace
        + "') exceeds the limit of " + limitBytes + " bytes: raise maxResponseSize or reduce "
        + "the output", claimName, namespace, null);
    this.limitBytes = limitBytes;
  }

  /**
   * The limit that was exceeded.
   *
   * @return bytes
   */
  public long limitBytes() {
    return limitBytes;
  }
}
