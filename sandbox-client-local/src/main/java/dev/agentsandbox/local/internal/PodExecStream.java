package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Empty;
import dev.agentsandbox.client.internal.GrpcCalls;
import dev.agentsandbox.client.internal.GrpcChannels;
import dev.agentsandbox.client.internal.sandboxd.PTY;
import dev.agentsandbox.client.internal.sandboxd.ProcessConfig;
import dev.agentsandbox.client.internal.sandboxd.ProcessServiceGrpc;
import dev.agentsandbox.client.internal.sandboxd.ResizeTTYRequest;
import dev.agentsandbox.client.internal.sandboxd.StartRequest;
import dev.agentsandbox.client.internal.sandboxd.StartResponse;
import dev.agentsandbox.client.internal.sandboxd.WriteStdinRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code pods/{name}/exec} over the WebSocket channel protocols ({@code v4.channel.k8s.io}
 * for fabric8, {@code v5.channel.k8s.io} for kubectl), run live by the pod's runtime through its
 * process API, as a kubelet runs it through the container runtime: output is sent while the
 * command runs (channels 1 and 2), standard input (channel 0) and terminal sizes (channel 4) reach
 * it as they come, {@code v5}'s close of channel 0 ends its input, and its exit status ends the
 * exec (channel 3). A client that goes away ends the command.
 *
 * <p>Backpressure: the next output message is taken from the runtime only while the WebSocket's
 * send queue is short, so a client that does not read holds the command back.
 */
final class PodExecStream extends WebSocketListener {
  private static final Logger LOG = LoggerFactory.getLogger(PodExecStream.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte STDIN = 0;
  private static final byte STDOUT = 1;
  private static final byte STDERR = 2;
  private static final byte ERROR = 3;
  private static final byte RESIZE = 4;
  private static final int CLOSE = 255;
  private static final long CALL_TIMEOUT_SECONDS = 30;
  /** The API server's channels to the runtimes, on a few shared daemon threads. */
  private static final GrpcChannels CHANNELS = new GrpcChannels();

  private final ManagedChannel channel;
  private final ProcessServiceGrpc.ProcessServiceStub stub;
  private final List<String> command;
  private final boolean stdin;
  private final boolean stdout;
  private final boolean stderr;
  private final boolean tty;
  private final CompletableFuture<Integer> processId = new CompletableFuture<>();
  private final Object inputLock = new Object();
  /** The last stdin write or resize sent; the next one waits for it, to keep their order. */
  private CompletableFuture<?> inputTail = CompletableFuture.completedFuture(null);
  private volatile WebSocket webSocket;
  /** The Vert.x side of the WebSocket, for its flow control; null if it gives none. */
  private volatile ServerWebSocket flow;
  private volatile ClientCallStreamObserver<StartRequest> call;
  private volatile boolean ended;

  /**
   * An exec of {@code command} by the runtime whose process API listens on
   * {@code host:port}.
   *
   * @param accessToken what the runtime requires as bearer token, or null
   */
  PodExecStream(String host, int port, String accessToken, List<String> command, boolean stdin,
      boolean stdout, boolean stderr, boolean tty) {
    this.channel = CHANNELS.channel(host, port);
    ProcessServiceGrpc.ProcessServiceStub plain = ProcessServiceGrpc.newStub(channel);
    if (accessToken != null) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + accessToken);
      plain = plain.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    this.stub = plain;
    this.command = List.copyOf(command);
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.tty = tty;
  }

  @Override
  public void onOpen(WebSocket socket, Response response) {
    this.webSocket = socket;
    this.flow = socket instanceof LocalWebSocket local ? local.vertx() : null;
    StartRequest.Builder start = StartRequest.newBuilder()
        .setConfig(ProcessConfig.newBuilder().addAllCommand(command));
    if (tty) {
      // The client tells the real size on channel 4 as soon as it knows it.
      start.setPty(PTY.newBuilder().setCols(80).setRows(24));
    }
    stub.start(start.build(), new Events());
  }

  /** The process's events, one at a time. */
  private final class Events implements ClientResponseObserver<StartRequest, StartResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<StartRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(StartResponse message) {
      switch (message.getEventCase()) {
        case INIT -> {
          processId.complete(message.getInit().getProcessId());
          if (!stdin) {
            writeStdin(WriteStdinRequest.newBuilder().setEof(Empty.getDefaultInstance()));
          }
        }
        case STDOUT -> send(STDOUT, message.getStdout(), stdout);
        case STDERR -> send(STDERR, message.getStderr(), stderr);
        case EXIT -> finish(status(message.getExit().getExitCode()));
        default -> LOG.debug("Ignoring an unknown process event");
      }
      requestMore();
    }

    @Override
    public void onError(Throwable error) {
      processId.completeExceptionally(error);
      Status status = Status.fromThrowable(error);
      if (status.getCode() == Status.Code.NOT_FOUND || status.getCode() == Status.Code.PERMISSION_DENIED
          || status.getCode() == Status.Code.INVALID_ARGUMENT) {
        // As a container runtime reports a command it cannot start.
        finish(PodExecSession.failure("InternalError", "failed to exec in container: "
            + status.getDescription(), null));
      } else {
        finish(PodExecSession.failure("InternalError", "the pod's runtime failed: " + status, null));
      }
    }

    @Override
    public void onCompleted() {
      finish(PodExecSession.failure("InternalError", "the pod's runtime ended the command without its exit", null));
    }
  }

  private static ObjectNode status(int exitCode) {
    if (exitCode == 0) {
      ObjectNode status = MAPPER.createObjectNode();
      status.putObject("metadata");
      status.put("status", "Success");
      return status;
    }
    return PodExecSession.failure("NonZeroExitCode", "command terminated with non-zero exit code: exit code "
        + exitCode, exitCode);
  }

  private void send(byte stream, com.google.protobuf.ByteString bytes, boolean wanted) {
    if (!wanted || bytes.size() == 0) {
      return;
    }
    byte[] frame = new byte[bytes.size() + 1];
    frame[0] = stream;
    bytes.copyTo(frame, 1);
    webSocket.send(frame);
  }

  /** Asks for the next event once the client has taken most of what was sent. */
  private void requestMore() {
    ClientCallStreamObserver<StartRequest> current = call;
    if (current == null || ended) {
      return;
    }
    ServerWebSocket ws = flow;
    if (ws != null && ws.writeQueueFull()) {
      ws.drainHandler(drained -> {
        ws.drainHandler(null);
        requestMore();
      });
      if (ws.writeQueueFull()) {
        return;
      }
      ws.drainHandler(null);
    }
    current.request(1);
  }

  private void finish(ObjectNode status) {
    if (ended) {
      return;
    }
    ended = true;
    webSocket.send(frame(ERROR, status.toString().getBytes(StandardCharsets.UTF_8)));
    webSocket.close(1000, "");
    channel.shutdown();
  }

  private static byte[] frame(byte stream, byte[] data) {
    byte[] frame = new byte[data.length + 1];
    frame[0] = stream;
    System.arraycopy(data, 0, frame, 1, data.length);
    return frame;
  }

  @Override
  public void onMessage(WebSocket socket, byte[] bytes) {
    if (bytes.length == 0) {
      return;
    }
    int stream = bytes[0] & 0xff;
    if (stream == STDIN && stdin && bytes.length > 1) {
      writeStdin(WriteStdinRequest.newBuilder()
          .setInput(com.google.protobuf.ByteString.copyFrom(bytes, 1, bytes.length - 1)));
    } else if (stream == RESIZE && tty) {
      resize(new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8));
    } else if (stream == CLOSE && bytes.length > 1 && bytes[1] == STDIN) {
      writeStdin(WriteStdinRequest.newBuilder().setEof(Empty.getDefaultInstance()));
    }
  }

  /** Sends stdin: after the stdin writes and resizes before it were taken. */
  private void writeStdin(WriteStdinRequest.Builder request) {
    inOrder(id -> GrpcCalls.unary(observer -> stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .writeStdin(request.setProcessId(id).build(), observer)));
  }

  private void resize(String json) {
    JsonNode size;
    try {
      size = MAPPER.readTree(json);
    } catch (IOException e) {
      return;
    }
    int cols = size.path("Width").asInt(0);
    int rows = size.path("Height").asInt(0);
    if (cols <= 0 || rows <= 0) {
      return;
    }
    // In order with stdin: input typed after a resize meets the new size.
    inOrder(id -> GrpcCalls.unary(observer -> stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .resizeTTY(ResizeTTYRequest.newBuilder().setProcessId(id).setCols(cols).setRows(rows).build(), observer)));
  }

  /** Runs {@code call} on the process once the input calls before it have ended, however. */
  private <T> void inOrder(Function<Integer, CompletableFuture<T>> call) {
    synchronized (inputLock) {
      inputTail = inputTail.handle((ignored, failure) -> null)
          .thenCompose(ignored -> processId)
          .thenCompose(call);
    }
  }

  @Override
  public void onClosing(WebSocket socket, int code, String reason) {
    socket.close(code, reason);
    clientGone();
  }

  @Override
  public void onClosed(WebSocket socket, int code, String reason) {
    clientGone();
  }

  @Override
  public void onFailure(WebSocket socket, Throwable t, Response response) {
    clientGone();
  }

  /** The client went away: the command ends with it (the runtime kills a cancelled one). */
  private void clientGone() {
    if (ended) {
      return;
    }
    ended = true;
    ClientCallStreamObserver<StartRequest> current = call;
    if (current != null) {
      current.cancel("the exec's client went away", null);
    }
    channel.shutdown();
  }
}
