package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.PortForward;
import io.fabric8.kubernetes.client.dsl.internal.PortForwarderWebsocket;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one place that uses fabric8's internal port-forward code ({@code PortForwarderWebsocket}
 * of {@code dsl.internal}, which is no public API and may change in any fabric8 release): opens
 * one port-forward stream between two byte channels and a pod's port, and tells an
 * {@link Observer} about the stream's WebSocket, which fabric8 keeps to itself.
 *
 * <p>Written for fabric8 {@value #WRITTEN_FOR}; {@code Fabric8PortForwardTest} checks that this
 * is the version on the classpath and exercises the stream against a loopback server, so an
 * upgrade of fabric8 fails there first. What it relies on: the first two messages of a stream
 * carry the port numbers and are skipped; later messages start with a channel byte, 0 for data
 * (written to {@code out} on the thread that reads the WebSocket, given a direct executor) and 1
 * for an error (kept in {@link PortForward#getServerThrowables()}); {@code in} is read on
 * fabric8's own thread, and only once the WebSocket is open; the WebSocket is opened through
 * the client's {@link HttpClient#newWebSocketBuilder()}.
 */
final class Fabric8PortForward {
  /** The fabric8 version this adapter was written and tested for. */
  static final String WRITTEN_FOR = "7.5.2";

  /** Told about one stream's WebSocket, on the thread that delivers its events; must not block. */
  interface Observer {
    /** The upgrade succeeded; called before fabric8 hears of it. */
    void opened(WebSocket webSocket);

    /** The other end closed the WebSocket; called before fabric8 hears of it. */
    void closed(int code, String reason);

    /**
     * The WebSocket failed, or never opened; called before fabric8 (or, for a failed upgrade,
     * whoever waits for the WebSocket) hears of it.
     */
    void failed(Throwable error);
  }

  private Fabric8PortForward() {
  }

  /**
   * Opens a port-forward stream to {@code port} of a pod through the API server, as
   * {@code pods().portForward(port, in, out)} does, but delivering the pod's bytes to
   * {@code out} on the thread that reads them off the WebSocket instead of on the client's task
   * executor: one thread switch less per response. Returns at once; the stream opens in the
   * background, and a failure to open it is told to {@code observer} and kept in the result.
   *
   * @param in read for the bytes to send, once the stream is open
   * @param out written with the pod's bytes; blocking it blocks only this stream's reader
   * @throws MalformedURLException if the client's master URL cannot name the pod
   */
  static PortForward open(KubernetesClient client, String namespace, String podName, int port,
      ReadableByteChannel in, WritableByteChannel out, Observer observer)
      throws MalformedURLException {
    URL pod = new URL(URLUtils.join(client.getMasterUrl().toString(), "api", "v1", "namespaces",
        namespace, "pods", podName));
    long connectTimeoutMillis = client.getConfiguration().getRequestTimeout();
    return new PortForwarderWebsocket(new ObservedClient(client.getHttpClient(), observer),
        Runnable::run, connectTimeoutMillis).forward(pod, port, in, out);
  }

  /**
   * A view of a fabric8 {@link HttpClient} that tells an {@link Observer} about the WebSockets
   * it opens. Everything else goes to the client unchanged; {@link #close()} does nothing, as
   * the view does not own the client.
   */
  private record ObservedClient(HttpClient client, Observer observer) implements HttpClient {
    @Override
    public WebSocket.Builder newWebSocketBuilder() {
      return new ObservedBuilder(client.newWebSocketBuilder(), observer);
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

    private record ObservedBuilder(WebSocket.Builder builder, Observer observer)
        implements WebSocket.Builder {
      @Override
      public CompletableFuture<WebSocket> buildAsync(WebSocket.Listener listener) {
        // A failed upgrade never reaches the listener; the caller learns of it from the future.
        // The stage returned completes after the observer was told, whatever the caller chains.
        return builder.buildAsync(new ObservedListener(listener, observer)).whenComplete((webSocket, error) -> {
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

    private record ObservedListener(WebSocket.Listener listener, Observer observer)
        implements WebSocket.Listener {
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
}
