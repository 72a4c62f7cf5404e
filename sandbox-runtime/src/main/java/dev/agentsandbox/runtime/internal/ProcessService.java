package dev.agentsandbox.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.agentsandbox.client.internal.sandboxd.ExecuteRequest;
import dev.agentsandbox.client.internal.sandboxd.ExecuteResponse;
import dev.agentsandbox.client.internal.sandboxd.ExitEvent;
import dev.agentsandbox.client.internal.sandboxd.InitEvent;
import dev.agentsandbox.client.internal.sandboxd.ProcessConfig;
import dev.agentsandbox.client.internal.sandboxd.ProcessServiceGrpc;
import dev.agentsandbox.client.internal.sandboxd.ResizeTTYRequest;
import dev.agentsandbox.client.internal.sandboxd.SendSignalRequest;
import dev.agentsandbox.client.internal.sandboxd.StartRequest;
import dev.agentsandbox.client.internal.sandboxd.StartResponse;
import dev.agentsandbox.client.internal.sandboxd.WriteStdinRequest;
import dev.agentsandbox.runtime.internal.LiveProcesses.Refusal;
import dev.agentsandbox.runtime.internal.LiveProcesses.RefusedException;
import io.grpc.MethodDescriptor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sandboxd's {@code process.v1.ProcessService} on a Vert.x gRPC server: {@code Start},
 * {@code Execute}, {@code WriteStdin}, {@code SendSignal} and {@code ResizeTTY} over
 * {@link LiveProcesses}.
 *
 * <p>{@code Start} streams output as the process writes it, at most {@link #IN_FLIGHT} chunks
 * ahead of the connection: a slow client holds the process back instead of filling memory. A
 * cancelled {@code Start} kills its process. {@code Execute} keeps at most the runtime's
 * {@code maxOutputBytes} of each stream ({@code RESOURCE_EXHAUSTED} beyond) and kills the
 * process after its {@code execTimeout} ({@code DEADLINE_EXCEEDED}).
 */
public final class ProcessService {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessService.class);
  /** Output chunks queued on a connection per {@code Start} before the process is held back. */
  static final int IN_FLIGHT = 16;

  private final Vertx vertx;
  private final LiveProcesses processes;
  private final long maxOutputBytes;
  private final Duration execTimeout;

  public ProcessService(Vertx vertx, LiveProcesses processes, long maxOutputBytes,
      Duration execTimeout) {
    this.vertx = vertx;
    this.processes = processes;
    this.maxOutputBytes = maxOutputBytes;
    this.execTimeout = execTimeout;
  }

  /** Serves the five methods on {@code server}. */
  public void register(GrpcServer server) {
    server.callHandler(ProcessServiceGrpc.getStartMethod(),
        request -> request.last().onSuccess(message -> start(request, message)));
    unary(server, ProcessServiceGrpc.getExecuteMethod(), this::execute);
    unary(server, ProcessServiceGrpc.getWriteStdinMethod(), this::writeStdin);
    unary(server, ProcessServiceGrpc.getSendSignalMethod(), this::sendSignal);
    unary(server, ProcessServiceGrpc.getResizeTTYMethod(), this::resize);
  }

  /** A unary method whose answer may take a while: computed off the event loop. */
  private interface Call<Q, R> {
    CompletableFuture<R> answer(Q request) throws RefusedException;
  }

  private <Q, R> void unary(GrpcServer server, MethodDescriptor<Q, R> method, Call<Q, R> call) {
    server.callHandler(method, request -> request.last().onSuccess(message -> {
      Context context = vertx.getOrCreateContext();
      GrpcServerResponse<Q, R> response = request.response();
      vertx.<CompletableFuture<R>>executeBlocking(() -> call.answer(message), false)
          .onSuccess(answer -> answer.whenComplete((result, failure) -> context.runOnContext(v -> {
            if (failure == null) {
              response.end(result);
            } else {
              fail(response, failure);
            }
          })))
          .onFailure(failure -> fail(response, failure));
    }));
  }

  private static void fail(GrpcServerResponse<?, ?> response, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof RefusedException refused) {
      response.status(status(refused.refusal())).statusMessage(refused.getMessage()).end();
    } else {
      LOG.warn("A process request failed: {}", cause.toString());
      response.status(GrpcStatus.INTERNAL).statusMessage(String.valueOf(cause.getMessage())).end();
    }
  }

  private static GrpcStatus status(Refusal refusal) {
    return switch (refusal) {
      case INVALID_ARGUMENT -> GrpcStatus.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> GrpcStatus.PERMISSION_DENIED;
      case NOT_FOUND -> GrpcStatus.NOT_FOUND;
      case FAILED_PRECONDITION -> GrpcStatus.FAILED_PRECONDITION;
      case RESOURCE_EXHAUSTED -> GrpcStatus.RESOURCE_EXHAUSTED;
      case DEADLINE_EXCEEDED -> GrpcStatus.DEADLINE_EXCEEDED;
      case INTERNAL -> GrpcStatus.INTERNAL;
    };
  }

  private static LiveProcesses.Request request(ProcessConfig config,
      LiveProcesses.TerminalSize terminal) {
    return new LiveProcesses.Request(config.getCommandList(), config.getEnvVarsMap(),
        config.hasCwd() ? config.getCwd() : null, terminal);
  }

  private void start(GrpcServerRequest<StartRequest, StartResponse> request, StartRequest message) {
    Context context = vertx.getOrCreateContext();
    GrpcServerResponse<StartRequest, StartResponse> response = request.response();
    StartStream stream = new StartStream(context, response);
    // A cancelled call resets its HTTP/2 stream, which the request reports as a gRPC error.
    request.errorHandler(error -> stream.broken("the call ended with " + error));
    request.exceptionHandler(failure -> stream.broken("the call failed: " + failure));
    LiveProcesses.TerminalSize terminal = message.hasPty()
        ? new LiveProcesses.TerminalSize(message.getPty().getCols(), message.getPty().getRows()) : null;
    vertx.executeBlocking(() -> processes.start(request(message.getConfig(), terminal), stream), false)
        .onSuccess(stream::opened)
        .onFailure(failure -> fail(response, failure));
  }

  /**
   * The events of one started process as {@code StartResponse} messages, written in order on the
   * call's context: those that come before the process's id is sent wait for it.
   */
  private static final class StartStream implements LiveProcess.Events {
    private final Context context;
    private final GrpcServerResponse<StartRequest, StartResponse> response;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final AtomicBoolean broken = new AtomicBoolean();
    /** Touched on the context only. */
    private List<StartResponse> early = new ArrayList<>();
    private volatile LiveProcess process;

    StartStream(Context context, GrpcServerResponse<StartRequest, StartResponse> response) {
      this.context = context;
      this.response = response;
      response.exceptionHandler(failure -> broken("the call was cancelled"));
    }

    /** On the context: the process runs as {@code started}; its id goes first. */
    void opened(LiveProcesses.Started started) {
      process = started.process();
      if (broken.get()) {
        started.process().kill();
      }
      write(StartResponse.newBuilder()
          .setInit(InitEvent.newBuilder().setProcessId(started.id())).build());
      List<StartResponse> waiting = early;
      early = null;
      waiting.forEach(this::write);
    }

    @Override
    public void output(LiveProcess.Stream stream, byte[] chunk, int length) throws InterruptedException {
      ByteString bytes = ByteString.copyFrom(chunk, 0, length);
      StartResponse.Builder message = StartResponse.newBuilder();
      if (stream == LiveProcess.Stream.STDOUT) {
        message.setStdout(bytes);
      } else {
        message.setStderr(bytes);
      }
      inFlight.acquire();
      send(message.build());
    }

    @Override
    public void exited(int exitCode) {
      StartResponse exit = StartResponse.newBuilder()
          .setExit(ExitEvent.newBuilder().setExitCode(exitCode)).build();
      context.runOnContext(v -> {
        if (early != null) {
          early.add(exit);
        } else if (!broken.get()) {
          response.end(exit);
        }
      });
    }

    private void send(StartResponse message) {
      context.runOnContext(v -> {
        if (early != null) {
          early.add(message);
        } else {
          write(message);
        }
      });
    }

    private void write(StartResponse message) {
      if (message.hasExit()) {
        if (!broken.get()) {
          response.end(message);
        }
        return;
      }
      boolean output = !message.hasInit();
      if (broken.get()) {
        if (output) {
          inFlight.release();
        }
        return;
      }
      response.write(message).onComplete(result -> {
        if (output) {
          inFlight.release();
        }
        if (result.failed()) {
          broken("the connection failed: " + result.cause().getMessage());
        }
      });
    }

    private void broken(String why) {
      if (broken.compareAndSet(false, true)) {
        LOG.debug("Killing a live process: {}", why);
        LiveProcess running = process;
        if (running != null) {
          running.kill();
        }
        // Let a reader blocked on a full queue finish; the process is being killed.
        inFlight.release(IN_FLIGHT);
      }
    }
  }

  private CompletableFuture<ExecuteResponse> execute(ExecuteRequest message) throws RefusedException {
    CompletableFuture<ExecuteResponse> answer = new CompletableFuture<>();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    AtomicReference<RefusedException> cut = new AtomicReference<>();
    AtomicReference<LiveProcess> process = new AtomicReference<>();
    LiveProcess.Events collect = new LiveProcess.Events() {
      @Override
      public void output(LiveProcess.Stream stream, byte[] chunk, int length) {
        ByteArrayOutputStream sink = stream == LiveProcess.Stream.STDOUT ? stdout : stderr;
        synchronized (sink) {
          if (sink.size() + (long) length > maxOutputBytes) {
            end(new RefusedException(Refusal.RESOURCE_EXHAUSTED,
                "the command wrote more than " + maxOutputBytes + " bytes to " + stream.name().toLowerCase()));
            return;
          }
          sink.write(chunk, 0, length);
        }
      }

      @Override
      public void exited(int exitCode) {
        RefusedException reason = cut.get();
        if (reason != null) {
          answer.completeExceptionally(reason);
          return;
        }
        synchronized (stdout) {
          synchronized (stderr) {
            answer.complete(ExecuteResponse.newBuilder().setExitCode(exitCode)
                .setStdout(ByteString.copyFrom(stdout.toByteArray()))
                .setStderr(ByteString.copyFrom(stderr.toByteArray())).build());
          }
        }
      }

      private void end(RefusedException reason) {
        if (cut.compareAndSet(null, reason) && process.get() != null) {
          process.get().kill();
        }
      }
    };
    LiveProcesses.Started started = processes.start(request(message.getConfig(), null), collect);
    process.set(started.process());
    // Execute has no standard input.
    started.process().closeStdin();
    if (cut.get() != null) {
      started.process().kill();
    }
    long timer = vertx.setTimer(execTimeout.toMillis(), id -> {
      if (cut.compareAndSet(null, new RefusedException(Refusal.DEADLINE_EXCEEDED,
          "the command ran longer than " + execTimeout.toSeconds() + "s and was killed"))) {
        started.process().kill();
      }
    });
    return answer.whenComplete((result, failure) -> vertx.cancelTimer(timer));
  }

  private CompletableFuture<Empty> writeStdin(WriteStdinRequest message) throws RefusedException {
    LiveProcess process = processes.find(message.getProcessId());
    CompletableFuture<Void> written = switch (message.getPayloadCase()) {
      case INPUT -> process.writeStdin(message.getInput().toByteArray());
      case EOF -> process.closeStdin();
      case PAYLOAD_NOT_SET -> CompletableFuture.<Void>completedFuture(null);
    };
    return written.handle((ignored, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        throw new CompletionException(new RefusedException(Refusal.INTERNAL,
            "failed to write stdin: " + cause.getMessage()));
      }
      return Empty.getDefaultInstance();
    });
  }

  private CompletableFuture<Empty> sendSignal(SendSignalRequest message) throws RefusedException {
    LiveProcess.Signal signal = switch (message.getSignal()) {
      case SIGNAL_SIGINT -> LiveProcess.Signal.INT;
      case SIGNAL_SIGTERM -> LiveProcess.Signal.TERM;
      case SIGNAL_SIGKILL -> LiveProcess.Signal.KILL;
      default -> throw new RefusedException(Refusal.INVALID_ARGUMENT,
          "signal must be SIGINT, SIGTERM or SIGKILL, got " + message.getSignalValue());
    };
    processes.find(message.getProcessId()).signal(signal);
    return CompletableFuture.completedFuture(Empty.getDefaultInstance());
  }

  private CompletableFuture<Empty> resize(ResizeTTYRequest message) throws RefusedException {
    LiveProcess process = processes.find(message.getProcessId());
    if (!process.terminal()) {
      throw new RefusedException(Refusal.FAILED_PRECONDITION,
          "process " + message.getProcessId() + " was started without a terminal");
    }
    int cols = message.getCols();
    int rows = message.getRows();
    if (cols <= 0 || rows <= 0 || cols > 0xffff || rows > 0xffff) {
      throw new RefusedException(Refusal.INVALID_ARGUMENT,
          "terminal size must be 1 to 65535 columns and rows, got " + Integer.toUnsignedString(cols)
              + "x" + Integer.toUnsignedString(rows));
    }
    try {
      process.resize(cols, rows);
    } catch (IOException e) {
      throw new RefusedException(Refusal.FAILED_PRECONDITION, e.getMessage());
    }
    return CompletableFuture.completedFuture(Empty.getDefaultInstance());
  }
}
