package dev.agentsandbox.client.internal;

/**
 * A connector whose sandboxes share one {@link HttpTransport}; closing it closes the transport.
 */
abstract class TransportConnector implements SandboxConnector {
  final HttpSettings settings;
  final HttpTransport transport;

  TransportConnector(HttpSettings settings, HttpTransport transport) {
    this.settings = settings;
    this.transport = transport;
  }

  /** The HTTP API of one sandbox whose requests go where {@code endpoint} says. */
  RuntimeHttpApi api(SandboxEndpoint endpoint, SandboxRef ref) {
    return new RuntimeHttpApi(transport, endpoint, ref, settings);
  }

  @Override
  public void close() {
    transport.close();
  }
}
