package dev.agentsandbox.router;

import java.util.Optional;

/**
 * The credentials a {@link SandboxRouter} presents to a sandbox's runtime, for runtimes that
 * accept only their cluster's components. The reference runtime needs none, so the default is
 * {@link #none()}; the embedded local cluster gives each runtime a token of its own.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface UpstreamCredentials {

  /**
   * The bearer token to send, as {@code Authorization: Bearer <token>}, to the runtime at
   * {@code host:port}; it replaces any {@code Authorization} header of the client. Called on an
   * event loop for every forwarded request: it must be fast and never block.
   *
   * @param host the address the router connects to (an IP literal, or a DNS name)
   * @param port the runtime port
   * @return the token, or empty to send none
   */
  Optional<String> bearerToken(String host, int port);

  /** Presents nothing: for runtimes that trust their network, like the reference runtime. */
  static UpstreamCredentials none() {
    return (host, port) -> Optional.empty();
  }
}
