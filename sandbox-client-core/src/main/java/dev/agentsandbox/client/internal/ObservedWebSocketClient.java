package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.WebSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A view of a fabric8 {@link HttpClient} that tells an {@link Observer} about the WebSockets it
 * opens: fabric8's port-forward code keeps its WebSocket to itself, and the tunnel needs it to
 * see how much is queued for sending, and how the stream ended.
 *
 * <p>Everything else goes to the client unchanged. {@link #close()} does nothing: the view does
 * not own the client.
 */
final class ObservedWebSocketClient implements HttpClient {

  /** Told about one WebSocket, on the thread that delivers its events; must not block. */
  interface Observer {
    /** The upgrade succeeded; called before the listener hears of it. */
    void opened(WebSocket webSocket);

    /** The other end closed the WebSocket; called before the listener hears of it. */
    void closed(int code, String reason);

    /**
     * The WebSocket failed, or never opened; called before the listener (or, for a failed
     * upgrade, whoever waits for the WebSocket) hears of it.
     */
    void failed(Throwable error);
  }

  private final HttpClient client;
  private final Observer observer;

  ObservedWebSocketClient(HttpClient client, Observer observer) {
    this.client = client;
    this.observer = observer;
  }

  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return new ObservedBuilder(client.newWebSocketBuilder());
  }

  @Override
  public void close() {
    // The client belongs to the caller.
  }

  @Override
  public DerivedClientBuilder newBuilder() {
    return client.newBuilder();
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, Class<T> type) {
    return client.sendAsync(request, type);
  }

  @Override
  public CompletableFuture<HttpResponse<AsyncBody>> consumeBytes(HttpRequest request,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    return client.consumeBytes(request, consumer);
  }

  @Override
  public HttpRequest.Builder newHttpRequestBuilder() {
    return client.newHttpRequestBuilder();
  }

  @Override
  public boolean isClosed() {
    return client.isClosed();
  }

  private final class ObservedBuilder implements WebSocket.Builder {
    private final WebSocket.Builder builder;

    ObservedBuilder(WebSocket.Builder builder) {
      this.builder = builder;
    }

    @Override
    public CompletableFuture<WebSocket> buildAsync(WebSocket.Listener listener) {
      // A failed upgrade never reaches the listener; the caller learns of it from the future.
      // The stage returned completes after the observer was told, whatever the caller chains.
      return builder.buildAsync(new ObservedListener(listener)).whenComplete((webSocket, error) -> {
        if (error != null) {
          observer.failed(error);
        }
      });
    }

    @Override
    public WebSocket.Builder subprotocol(String protocol) {
      builder.subprotocol(protocol);
      return this;
    }

    @Override
    public WebSocket.Builder header(String name, String value) {
      builder.header(name, value);
      return this;
    }

    @Override
    public WebSocket.Builder setHeader(String name, String value) {
      builder.setHeader(name, value);
      return this;
    }

    @Override
    public WebSocket.Builder uri(URI uri) {
      builder.uri(uri);
      return this;
    }

    @Override
    public WebSocket.Builder connectTimeout(long timeout, TimeUnit unit) {
      builder.connectTimeout(timeout, unit);
      return this;
    }
  }

  private final class ObservedListener implements WebSocket.Listener {
    private final WebSocket.Listener listener;

    ObservedListener(WebSocket.Listener listener) {
      this.listener = listener;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      observer.opened(webSocket);
      listener.onOpen(webSocket);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      listener.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteBuffer bytes) {
      listener.onMessage(webSocket, bytes);
    }

    @Override
    public void onClose(WebSocket webSocket, int code, String reason) {
      observer.closed(code, reason);
      listener.onClose(webSocket, code, reason);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      observer.failed(error);
      listener.onError(webSocket, error);
    }
  }
}
