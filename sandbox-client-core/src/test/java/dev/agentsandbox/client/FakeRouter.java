package dev.agentsandbox.client;

import java.io.IOException;
import java.net.InetAddress;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A router and runtime in one loopback HTTP server: {@code /execute} answers with the routing
 * headers it got, so a test sees which sandbox a command was sent to; {@code /healthz} is OK.
 */
public final class FakeRouter implements AutoCloseable {
  final MockWebServer server = new MockWebServer();

  public FakeRouter() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if ("/execute".equals(request.getPath())) {
          String stdout = request.getHeader("X-Sandbox-Namespace") + "/"
              + request.getHeader("X-Sandbox-ID");
          return new MockResponse().setHeader("Content-Type", "application/json")
              .setBody("{\"stdout\": \"" + stdout + "\", \"stderr\": \"\", \"exit_code\": 0}");
        }
        return new MockResponse().setBody("{\"status\": \"ok\"}");
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  public ConnectionMode mode() {
    return ConnectionMode.direct("http://127.0.0.1:" + server.getPort());
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }
}
