package dev.agentsandbox.local.internal;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * An accepted WebSocket of the embedded API server, as the dispatcher's listeners (watches,
 * port-forwards) see it; {@link #vertx()} gives a stream that needs flow control the Vert.x
 * WebSocket itself.
 */
final class LocalWebSocket implements WebSocket {
  private final RecordedRequest request;
  private final ServerWebSocket webSocket;
  private volatile boolean closing;

  private LocalWebSocket(RecordedRequest request, ServerWebSocket webSocket) {
    this.request = request;
    this.webSocket = webSocket;
  }

  /**
   * Tells {@code listener} of what happens on {@code webSocket}: its messages, the client's
   * close frame, its end and its failure. The listener's {@code onOpen} runs last, so that it
   * may replace these handlers with its own.
   */
  static void attach(RecordedRequest request, WebSocketListener listener, ServerWebSocket webSocket,
      Response response) {
    LocalWebSocket socket = new LocalWebSocket(request, webSocket);
    webSocket.textMessageHandler(text -> listener.onMessage(socket, text));
    webSocket.binaryMessageHandler(bytes -> listener.onMessage(socket, bytes.getBytes()));
    webSocket.frameHandler(frame -> {
      if (frame.isClose()) {
        listener.onClosing(socket, frame.closeStatusCode(), frame.closeReason());
      }
    });
    webSocket.closeHandler(ignored -> listener.onClosed(socket,
        webSocket.closeStatusCode() == null ? 1006 : webSocket.closeStatusCode(), webSocket.closeReason()));
    webSocket.exceptionHandler(error -> listener.onFailure(socket, error, response));
    listener.onOpen(socket, response);
  }

  /** The Vert.x WebSocket, for flow control: pause, resume, write queue and drain. */
  ServerWebSocket vertx() {
    return webSocket;
  }

  @Override
  public RecordedRequest request() {
    return request;
  }

  @Override
  public boolean send(String text) {
    if (closing || webSocket.isClosed()) {
      return false;
    }
    webSocket.writeTextMessage(text);
    return true;
  }

  @Override
  public boolean send(byte[] bytes) {
    if (closing || webSocket.isClosed()) {
      return false;
    }
    webSocket.writeBinaryMessage(Buffer.buffer(bytes));
    return true;
  }

  @Override
  public synchronized boolean close(int code, String reason) {
    if (closing) {
      return false;
    }
    closing = true;
    webSocket.close((short) code, reason);
    return true;
  }
}
