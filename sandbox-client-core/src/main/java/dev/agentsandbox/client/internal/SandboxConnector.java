package dev.agentsandbox.client.internal;

/**
 * How the sandboxes of one client are reached. A connector is created once per client and may
 * hold resources shared by all of its sandboxes (a port-forward tunnel, a gateway address
 * watch); each sandbox gets its own {@link RuntimeHttpApi} from it.
 */
public interface SandboxConnector extends AutoCloseable {

  /**
   * Returns the HTTP API of one ready sandbox, opening shared resources on first use. Blocks
   * for the API calls that needs.
   *
   * @param ref the sandbox; its sandbox name is set
   * @throws dev.agentsandbox.client.SandboxConnectionException if the sandbox cannot be reached
   * @throws InterruptedException if interrupted while opening shared resources
   */
  RuntimeHttpApi connect(SandboxRef ref) throws InterruptedException;

  /** A one-line description of where requests go, for logs. */
  String describe();

  /** Releases shared resources. Idempotent; never throws. */
  @Override
  void close();
}
