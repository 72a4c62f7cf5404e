package dev.agentsandbox.local.internal;

import io.vertx.core.net.NetSocket;

/** What the API server serves on a connection upgraded to SPDY/3.1, as kubectl before 1.30 asks for it. */
interface SpdyService {
  /** The stream protocol negotiated, answered in {@code X-Stream-Protocol-Version}. */
  String protocol();

  /** Serves the SPDY session on the upgraded connection; runs on the connection's event loop. */
  void serve(NetSocket socket);
}
