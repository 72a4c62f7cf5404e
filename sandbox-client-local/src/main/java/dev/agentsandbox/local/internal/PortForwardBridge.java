package dev.agentsandbox.local.internal;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port-forward stream: the server side of the {@code v4.channel.k8s.io} protocol that
 * kubectl and fabric8 speak on {@code pods/{name}/portforward}, bridged to a TCP connection to
 * the pod's address.
 *
 * <p>Framing: every WebSocket message starts with a channel byte, 0 for data and 1 for errors
 * of the (single) forwarded port. The server opens each channel with a message carrying the
 * port number (two bytes, little endian).
 *
 * <p>Flow control, both ways, as a real API server's TCP streams have it: the WebSocket is not
 * read while the pod's socket has a full write queue (or is not connected yet), and the pod's
 * socket is not read while the WebSocket has a full write queue. Nothing is buffered beyond
 * those queues, whatever the size of the transfer.
 *
 * <p>To a runtime that requires an access token, the bridge presents it in every request (see
 * {@link RequestAuthorizer}): a port-forward is the API server's, a component of the cluster.
 */
final class PortForwardBridge extends WebSocketListener {
  private static final Logger LOG = LoggerFactory.getLogger(PortForwardBridge.class);
  private static final byte DATA = 0;
  private static final byte ERROR = 1;

  private final NetClient netClient;
  private final String host;
  private final int port;
  private final String description;
  private final RequestAuthorizer authorizer;

  private final Object lock = new Object();
  private List<Buffer> pending = new ArrayList<>();
  private ServerWebSocket channel;
  private NetSocket socket;
  private boolean closed;

  /** A bridge to {@code host:port}; with an {@code accessToken}, for HTTP requests only. */
  PortForwardBridge(NetClient netClient, String host, int port, String description,
      String accessToken) {
    this.authorizer = accessToken == null ? null : new RequestAuthorizer(accessToken);
    this.netClient = netClient;
    this.host = host;
    this.port = port;
    this.description = description;
  }

  private static ServerWebSocket vertxOf(WebSocket webSocket) {
    if (webSocket instanceof LocalWebSocket local) {
      return local.vertx();
    }
    throw new IllegalStateException("the WebSocket (" + webSocket.getClass().getName()
        + ") gives no access to flow control");
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    ServerWebSocket ws;
    try {
      ws = vertxOf(webSocket);
    } catch (IllegalStateException e) {
      LOG.warn("Port-forward to {} refused: {}", description, e.getMessage());
      webSocket.send(frame(ERROR, ("error forwarding port " + port + ": " + e.getMessage())
          .getBytes(StandardCharsets.UTF_8)));
      webSocket.close(1011, "no flow control");
      return;
    }
    // Nothing is read from the client until the pod's socket can take it. The mock server's
    // frame handler asks for one more frame after each frame, after the message handler ran,
    // which would undo every pause; close frames are all the bridge needs from that handler.
    ws.frameHandler(frame -> {
      if (frame.isClose()) {
        onClosing(webSocket, frame.closeStatusCode(), frame.closeReason());
      }
    });
    ws.pause();
    synchronized (lock) {
      channel = ws;
    }
    ws.writeBinaryMessage(Buffer.buffer(portFrame(DATA)));
    ws.writeBinaryMessage(Buffer.buffer(portFrame(ERROR)));
    netClient.connect(port, host).onComplete(result -> {
      if (result.failed()) {
        LOG.debug("Port-forward to {} failed: {}", description, result.cause().toString());
        webSocket.send(frame(ERROR, ("error forwarding port " + port + " to " + description + ": "
            + result.cause().getMessage()).getBytes(StandardCharsets.UTF_8)));
        webSocket.close(1000, "connect failed");
        return;
      }
      attach(webSocket, ws, result.result());
    });
  }

  private void attach(WebSocket webSocket, ServerWebSocket ws, NetSocket connected) {
    // The WebSocket's and the socket's handlers all run on the server's event loop.
    if (ws.isClosed()) {
      connected.close();
      return;
    }
    connected.handler(data -> {
      if (ws.isClosed()) {
        return; // the socket is being closed
      }
      ws.writeBinaryMessage(Buffer.buffer(data.length() + 1).appendByte(DATA).appendBuffer(data));
      if (ws.writeQueueFull()) {
        connected.pause();
      }
    });
    ws.drainHandler(v -> connected.resume());
    connected.drainHandler(v -> ws.resume());
    connected.closeHandler(v -> webSocket.close(1000, "connection closed"));
    connected.exceptionHandler(e -> LOG.debug("Port-forward to {}: {}", description, e.toString()));
    synchronized (lock) {
      if (closed) {
        connected.close();
        return;
      }
      for (Buffer b : pending) {
        connected.write(b);
      }
      pending = null;
      socket = connected;
    }
    if (!connected.writeQueueFull()) {
      ws.resume();
    }
  }

  @Override
  public void onMessage(WebSocket webSocket, byte[] bytes) {
    if (bytes.length == 0 || bytes[0] != DATA) {
      return; // nothing but data is expected from clients
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      Buffer data;
      if (authorizer == null) {
        data = Buffer.buffer(bytes.length - 1).appendBytes(bytes, 1, bytes.length - 1);
      } else {
        try {
          data = authorizer.rewrite(bytes, 1, bytes.length - 1);
        } catch (IllegalArgumentException e) {
          LOG.debug("Port-forward to {}: {}", description, e.getMessage());
          webSocket.send(frame(ERROR, ("port-forward to " + description + " carries HTTP requests "
              + "only").getBytes(StandardCharsets.UTF_8)));
          webSocket.close(1000, "not HTTP");
          shutdown();
          return;
        }
      }
      if (socket != null) {
        socket.write(data);
        if (socket.writeQueueFull()) {
          channel.pause();
        }
      } else {
        pending.add(data);
        channel.pause();
      }
    }
  }

  @Override
  public void onMessage(WebSocket webSocket, String text) {
    onMessage(webSocket, text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    shutdown();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    shutdown();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable error, Response response) {
    shutdown();
  }

  private void shutdown() {
    NetSocket toClose;
    synchronized (lock) {
      closed = true;
      toClose = socket;
      socket = null;
      pending = null;
      if (authorizer != null) {
        authorizer.close();
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  private byte[] portFrame(byte channel) {
    return new byte[] {channel, (byte) (port & 0xff), (byte) ((port >> 8) & 0xff)};
  }

  private static byte[] frame(byte channel, byte[] payload) {
    byte[] out = new byte[payload.length + 1];
    out[0] = channel;
    System.arraycopy(payload, 0, out, 1, payload.length);
    return out;
  }
}
