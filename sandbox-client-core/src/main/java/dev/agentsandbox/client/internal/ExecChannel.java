package dev.agentsandbox.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code pods/{name}/exec} WebSocket, spoken with the channel protocol itself over fabric8's
 * HTTP client: {@code v5.channel.k8s.io}, which can end a command's standard input, or
 * {@code v4.channel.k8s.io} from an API server without it. fabric8's own exec speaks v4 only,
 * so a command reading its input to the end could never finish.
 *
 * <p>Channels: 0 standard input, 1 stdout, 2 stderr, 3 the closing {@code Status}, 4 terminal
 * sizes; v5 adds 255, whose message {@code [255, 0]} closes standard input. Messages are taken
 * one at a time, when {@link Events#canTakeMore()} says so ({@link #requestMore()} asks again),
 * which holds the command back while the caller does not read.
 */
final class ExecChannel implements WebSocket.Listener {
  static final String V5 = "v5.channel.k8s.io";
  static final String V4 = "v4.channel.k8s.io";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte STDIN = 0;
  private static final byte STDOUT = 1;
  private static final byte STDERR = 2;
  private static final byte STATUS = 3;
  private static final byte RESIZE = 4;
  private static final byte CLOSE = (byte) 255;

  /** What the exec tells, on the WebSocket's thread, one message at a time. */
  interface Events {
    void stdout(ByteBuffer bytes);

    void stderr(ByteBuffer bytes);

    /** The command ended with {@code exitCode}. */
    void exited(int exitCode);

    /** The exec is over; {@code error} is null if its status came first. */
    void closed(Throwable error);

    /** Whether the next message may be taken. */
    boolean canTakeMore();
  }

  private final Events events;
  private final String protocol;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile WebSocket webSocket;
  private volatile boolean statusSeen;

  private ExecChannel(Events events, String protocol) {
    this.events = events;
    this.protocol = protocol;
  }

  /**
   * Opens the exec of {@code command} in the first container of {@code pod}: v5, else v4.
   *
   * @return completes once the WebSocket is open; fails if the API server refused the exec
   */
  static CompletableFuture<ExecChannel> open(KubernetesClient kubernetes, String namespace, String pod,
      List<String> command, boolean tty, long timeoutMillis, Events events) {
    URI uri = execUri(kubernetes, namespace, pod, command, tty);
    return open(kubernetes, uri, V5, timeoutMillis, events)
        .handle((channel, error) -> channel != null ? CompletableFuture.completedFuture(channel)
            : open(kubernetes, uri, V4, timeoutMillis, events))
        .thenCompose(next -> next);
  }

  private static CompletableFuture<ExecChannel> open(KubernetesClient kubernetes, URI uri, String protocol,
      long timeoutMillis, Events events) {
    ExecChannel channel = new ExecChannel(events, protocol);
    return kubernetes.getHttpClient().newWebSocketBuilder()
        .subprotocol(protocol)
        .uri(uri)
        .connectTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .buildAsync(channel)
        .thenApply(webSocket -> {
          channel.webSocket = webSocket;
          channel.requestMore();
          return channel;
        });
  }

  static URI execUri(KubernetesClient kubernetes, String namespace, String pod, List<String> command,
      boolean tty) {
    StringBuilder query = new StringBuilder();
    for (String word : command) {
      query.append("command=").append(URLEncoder.encode(word, StandardCharsets.UTF_8).replace("+", "%20"))
          .append('&');
    }
    query.append("stdin=true&stdout=true&stderr=").append(!tty).append("&tty=").append(tty);
    String base = kubernetes.getMasterUrl().toString();
    return URI.create((base.endsWith("/") ? base : base + "/") + "api/v1/namespaces/" + namespace + "/pods/"
        + pod + "/exec?" + query);
  }

  /** Whether standard input can be ended ({@code v5}). */
  boolean canCloseStdin() {
    return V5.equals(protocol);
  }

  /** Sends bytes to the command's standard input. */
  boolean write(byte[] bytes, int offset, int length) {
    byte[] frame = new byte[length + 1];
    frame[0] = STDIN;
    System.arraycopy(bytes, offset, frame, 1, length);
    return webSocket.send(ByteBuffer.wrap(frame));
  }

  /** Bytes queued for sending. */
  long queued() {
    return webSocket.queueSize();
  }

  /**
   * Ends the command's standard input.
   *
   * @throws UnsupportedOperationException on {@code v4}, which cannot
   */
  void closeStdin() {
    if (!canCloseStdin()) {
      throw new UnsupportedOperationException("the API server speaks exec protocol " + protocol
          + ", which cannot end a command's standard input (" + V5 + ", Kubernetes 1.30 and later, can)");
    }
    webSocket.send(ByteBuffer.wrap(new byte[] {CLOSE, STDIN}));
  }

  /** Tells the command's terminal its size. */
  void resize(int cols, int rows) {
    byte[] size = ("{\"Width\":" + cols + ",\"Height\":" + rows + "}").getBytes(StandardCharsets.UTF_8);
    byte[] frame = new byte[size.length + 1];
    frame[0] = RESIZE;
    System.arraycopy(size, 0, frame, 1, size.length);
    webSocket.send(ByteBuffer.wrap(frame));
  }

  /** Asks for the next message if none is asked for and the caller can take it. */
  void requestMore() {
    WebSocket ws = webSocket;
    if (ws != null && !ended.get() && events.canTakeMore() && requested.compareAndSet(false, true)) {
      ws.request();
    }
  }

  /** Closes the WebSocket; the command ends if the runtime ends it with its exec. */
  void close() {
    WebSocket ws = webSocket;
    if (ws != null) {
      ws.sendClose(1000, "");
    }
  }

  @Override
  public void onMessage(WebSocket ws, ByteBuffer message) {
    requested.set(false);
    if (message.remaining() > 0) {
      byte stream = message.get();
      ByteBuffer data = ByteBuffer.allocate(message.remaining()).put(message).flip();
      switch (stream) {
        case STDOUT -> events.stdout(data);
        case STDERR -> events.stderr(data);
        case STATUS -> status(data);
        default -> {
          // channel-opening messages and anything unknown carry nothing for the caller
        }
      }
    }
    requestMore();
  }

  private void status(ByteBuffer data) {
    if (data.remaining() == 0) {
      return;
    }
    try {
      JsonNode status = JSON.readTree(StandardCharsets.UTF_8.decode(data).toString());
      if ("Success".equals(status.path("status").asText())) {
        statusSeen = true;
        events.exited(0);
        return;
      }
      for (JsonNode cause : status.path("details").path("causes")) {
        if ("ExitCode".equals(cause.path("reason").asText())) {
          statusSeen = true;
          events.exited(Integer.parseInt(cause.path("message").asText().strip()));
          return;
        }
      }
      end(new IOException("the exec failed: " + status.path("message").asText(status.toString())));
    } catch (IOException | NumberFormatException e) {
      end(new IOException("the exec's status could not be read: " + e.getMessage(), e));
    }
  }

  @Override
  public void onClose(WebSocket ws, int code, String reason) {
    ws.sendClose(code, reason);
    end(statusSeen ? null : new IOException("the exec closed (" + code + (reason == null || reason.isEmpty()
        ? "" : " " + reason) + ") without the command's exit status"));
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    end(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
  }

  private void end(Throwable error) {
    if (ended.compareAndSet(false, true)) {
      events.closed(error);
    }
  }
}
