package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import java.io.IOException;
import okhttp3.HttpUrl;

/** A router at a fixed URL. */
final class DirectConnector implements SandboxConnector {
  private final HttpUrl baseUrl;
  private final HttpSettings settings;
  private final HttpTransport transport;
  private final SandboxEndpoint endpoint;

  DirectConnector(ConnectionMode.Direct mode, HttpSettings settings) {
    this.baseUrl = HttpUrl.get(mode.baseUrl().toString());
    this.settings = settings;
    this.transport = new HttpTransport(settings, true, mode.authToken(),
        mode.trust(), null);
    SandboxEndpoint.Target target = SandboxEndpoint.Target.of(baseUrl);
    this.endpoint = new SandboxEndpoint() {
      @Override
      public Target target() {
        return target;
      }

      @Override
      public void connectionFailed(Target failed, IOException cause) {
      }

      @Override
      public String hint() {
        return "Check that the router at " + baseUrl.redact() + " is reachable from here";
      }
    };
  }

  @Override
  public RuntimeHttpApi connect(SandboxRef ref) {
    return new RuntimeHttpApi(transport, endpoint, ref, settings);
  }

  @Override
  public String describe() {
    return "router at " + baseUrl.redact();
  }

  @Override
  public void close() {
    transport.close();
  }
}
