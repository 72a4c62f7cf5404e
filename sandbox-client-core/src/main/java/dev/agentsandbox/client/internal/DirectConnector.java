package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import java.io.IOException;
import okhttp3.HttpUrl;

/** A router at a fixed URL. */
final class DirectConnector extends TransportConnector {
  private final HttpUrl baseUrl;
  private final SandboxEndpoint endpoint;

  DirectConnector(ConnectionMode.Direct mode, HttpSettings settings) {
    super(settings, new HttpTransport(settings, true, mode.authToken(), mode.trust(), null));
    this.baseUrl = HttpUrl.get(mode.baseUrl().toString());
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
    return api(endpoint, ref);
  }

  @Override
  public String describe() {
    return "router at " + baseUrl.redact();
  }
}
