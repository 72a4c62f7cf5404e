package dev.agentsandbox.client.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.internal.sandboxd.PTY;
import dev.agentsandbox.client.internal.sandboxd.ProcessConfig;
import dev.agentsandbox.client.internal.sandboxd.ProcessServiceGrpc;
import dev.agentsandbox.client.internal.sandboxd.ResizeTTYRequest;
import dev.agentsandbox.client.internal.sandboxd.SendSignalRequest;
import dev.agentsandbox.client.internal.sandboxd.Signal;
import dev.agentsandbox.client.internal.sandboxd.StartRequest;
import dev.agentsandbox.client.internal.sandboxd.StartResponse;
import dev.agentsandbox.client.internal.sandboxd.WriteStdinRequest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process started with sandboxd's {@code Start}: one server stream carries its id, its output
 * and its exit; stdin, signals and window sizes are unary calls naming the id.
 *
 * <p>Flow control: the stream delivers one message at a time, and the next is asked for only
 * while both output channels can take it; gRPC's HTTP/2 flow control then stops the sandbox's
 * writes, and the sandbox stops the process at its next write to a full pipe.
 */
final class SandboxdProcess extends StreamedProcess {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxdProcess.class);
  /** Bytes of stdin sent but not yet acknowledged before a write waits. */
  private static final long STDIN_IN_FLIGHT = 1L << 20;

  private final ProcessServiceGrpc.ProcessServiceStub stub;
  private final Duration callTimeout;
  private final CompletableFuture<Integer> processId = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private volatile Consumer<Throwable> connectionFailed = error -> { };
  private final Stdin stdin = new Stdin();
  private final Object flow = new Object();
  private volatile ClientCallStreamObserver<StartRequest> call;
  /** Guarded by {@link #flow}. */
  private boolean requested;
  private volatile boolean callEnded;
  private volatile Integer exitCode;
  private volatile Throwable failure;

  private SandboxdProcess(ProcessServiceGrpc.ProcessServiceStub stub, ProcessSpec spec, SandboxRef ref,
      Duration callTimeout, long outputLimit) {
    super(ref, spec, outputLimit);
    this.stub = stub;
    this.callTimeout = callTimeout;
  }

  /**
   * Starts {@code spec}: sends the {@code Start} call and returns at once; {@link #started()}
   * completes when the sandbox told the process's id (or refused it).
   *
   * @param callTimeout bound on each unary call
   * @param outputLimit the most bytes of a stream collected into the result
   * @param scheduler runs the process's timeout, if it has one
   * @param connectionFailed told when the call fails at the connection level
   */
  static SandboxdProcess begin(ProcessServiceGrpc.ProcessServiceStub stub, ProcessSpec spec,
      SandboxRef ref, Duration callTimeout, long outputLimit, ScheduledExecutorService scheduler,
      Consumer<Throwable> connectionFailed) {
    SandboxdProcess process = new SandboxdProcess(stub, spec, ref, callTimeout, outputLimit);
    process.connectionFailed = connectionFailed;
    StartRequest.Builder request = StartRequest.newBuilder().setConfig(config(spec));
    spec.terminal().ifPresent(size -> request.setPty(PTY.newBuilder().setCols(size.cols()).setRows(size.rows())));
    process.processId.thenRun(() -> spec.timeout().ifPresent(limit -> process.limitTime(scheduler, limit)));
    stub.start(request.build(), process.new Events());
    return process;
  }

  /** Completes with the process's id once it runs; fails if the sandbox refused it. */
  CompletableFuture<Integer> started() {
    return processId;
  }

  /**
   * Waits until the process runs.
   *
   * @throws SandboxException if the sandbox refused it, could not be reached, or did not answer
   *     within {@code timeout}
   */
  void awaitStarted(Duration timeout) throws InterruptedException {
    try {
      processId.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw GrpcFailures.of(e.getCause(), "Start of '" + program + "'", ref);
    } catch (TimeoutException e) {
      throw GrpcFailures.of(Status.DEADLINE_EXCEEDED.withDescription("no answer within "
          + timeout.toMillis() + " ms").asRuntimeException(), "Start of '" + program + "'", ref);
    }
  }

  /** Runs {@code action} once the process ended or its handle was closed. */
  void onEnd(Runnable action) {
    ended.whenComplete((ignored, error) -> action.run());
  }

  static ProcessConfig config(ProcessSpec spec) {
    ProcessConfig.Builder config = ProcessConfig.newBuilder()
        .addAllCommand(spec.command())
        .putAllEnvVars(spec.environment());
    spec.cwd().ifPresent(config::setCwd);
    return config.build();
  }

  /** The events of the {@code Start} stream, delivered one at a time by gRPC. */
  private final class Events implements ClientResponseObserver<StartRequest, StartResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<StartRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
      synchronized (flow) {
        requested = true;
      }
    }

    @Override
    public void onNext(StartResponse message) {
      synchronized (flow) {
        requested = false;
      }
      switch (message.getEventCase()) {
        case INIT -> processId.complete(message.getInit().getProcessId());
        case STDOUT -> deliver(stdout, message.getStdout());
        case STDERR -> deliver(stderr, message.getStderr());
        case EXIT -> exitCode = message.getExit().getExitCode();
        default -> LOG.debug("Ignoring an unknown event of process '{}'", program);
      }
      askForMore();
    }

    @Override
    public void onError(Throwable error) {
      callEnded = true;
      connectionFailed.accept(error);
      if (!processId.isDone()) {
        processId.completeExceptionally(error);
      }
      if (exitCode == null) {
        failure = closed.get() ? new CancellationException("the process handle was closed") : error;
      }
      stdout.end(exitCode == null ? failure : null);
      stderr.end(exitCode == null ? failure : null);
    }

    @Override
    public void onCompleted() {
      callEnded = true;
      if (!processId.isDone()) {
        processId.completeExceptionally(new IllegalStateException("the sandbox ended the process "
            + "stream before telling the process id"));
      }
      if (exitCode == null) {
        failure = new SandboxException("The sandbox ended the stream of process '" + program
            + "' without its exit", ref.claimName(), ref.namespace(), null);
      }
      stdout.end(null);
      stderr.end(null);
    }
  }

  private void deliver(OutputChannel channel, ByteString bytes) {
    if (!channel.offer(ByteBuffer.wrap(bytes.toByteArray()))) {
      LOG.debug("Output of process '{}' over the limit; killing it", program);
      kill();
    }
  }

  /** Asks the stream for its next message when none is outstanding and both channels take one. */
  private void askForMore() {
    ClientCallStreamObserver<StartRequest> current = call;
    if (current == null || callEnded) {
      return;
    }
    synchronized (flow) {
      if (requested || !stdout.canAccept() || !stderr.canAccept()) {
        return;
      }
      requested = true;
    }
    current.request(1);
  }

  @Override
  void capacityChanged() {
    askForMore();
  }

  @Override
  Integer exitCodeIfKnown() {
    return exitCode;
  }

  @Override
  SandboxException failure() {
    return GrpcFailures.of(failure, "Process '" + program + "'", ref);
  }

  @Override
  void ended() {
    ended.complete(null);
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  @Override
  public void closeStdin() {
    try {
      stdin.close();
    } catch (IOException e) {
      throw GrpcFailures.of(e.getCause() != null ? e.getCause() : e, "Closing stdin of '" + program + "'", ref);
    }
  }

  @Override
  public void signal(ProcessSignal signal) {
    Objects.requireNonNull(signal, "signal");
    if (!isAlive()) {
      return;
    }
    try {
      GrpcCalls.unary(observer -> stub
          .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .sendSignal(SendSignalRequest.newBuilder().setProcessId(processId.join())
              .setSignal(signalOf(signal)).build(), observer)).get();
    } catch (ExecutionException e) {
      if (isAlive()) {
        throw GrpcFailures.of(e.getCause(), "Signal " + signal + " to '" + program + "'", ref);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GrpcFailures.of(e, "Signal " + signal + " to '" + program + "'", ref);
    }
  }

  private static Signal signalOf(ProcessSignal signal) {
    return switch (signal) {
      case INTERRUPT -> Signal.SIGNAL_SIGINT;
      case TERMINATE -> Signal.SIGNAL_SIGTERM;
      case KILL -> Signal.SIGNAL_SIGKILL;
    };
  }

  @Override
  public void resize(int cols, int rows) {
    ProcessSpec.TerminalSize size = new ProcessSpec.TerminalSize(cols, rows);
    if (!terminal) {
      throw new IllegalStateException("process '" + program + "' was started without a terminal");
    }
    try {
      GrpcCalls.unary(observer -> stub
          .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .resizeTTY(ResizeTTYRequest.newBuilder().setProcessId(processId.join())
              .setCols(size.cols()).setRows(size.rows()).build(), observer)).get();
    } catch (ExecutionException e) {
      throw GrpcFailures.of(e.getCause(), "Resize of the terminal of '" + program + "'", ref);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GrpcFailures.of(e, "Resize of the terminal of '" + program + "'", ref);
    }
  }

  @Override
  public boolean isAlive() {
    return exitCode == null && !callEnded;
  }

  @Override
  public void kill() {
    if (!isAlive() || !processId.isDone() || processId.isCompletedExceptionally()) {
      ClientCallStreamObserver<StartRequest> current = call;
      if (current != null && !callEnded) {
        current.cancel("the process was killed", null);
      }
      return;
    }
    GrpcCalls.unary(observer -> stub
        .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .sendSignal(SendSignalRequest.newBuilder().setProcessId(processId.join())
            .setSignal(Signal.SIGNAL_SIGKILL).build(), observer))
        .whenComplete((ignored, error) -> {
          if (error != null && isAlive()) {
            LOG.debug("Kill of process '{}' failed ({}); cancelling its stream", program, error.toString());
            ClientCallStreamObserver<StartRequest> current = call;
            if (current != null) {
              current.cancel("the process was killed", null);
            }
          }
        });
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (isAlive()) {
      kill();
    }
    ended.complete(null);
  }

  @Override
  public String toString() {
    return "SandboxProcess[" + program + (processId.isDone() && !processId.isCompletedExceptionally()
        ? ", id=" + processId.join() : "") + ", sandbox=" + ref.sandboxName()
        + (isAlive() ? "" : ", exited " + exitCode) + "]";
  }

  /**
   * Standard input as a stream of {@code WriteStdin} calls, one at a time so they arrive in order,
   * at most {@link #STDIN_IN_FLIGHT} bytes ahead of the sandbox.
   */
  private final class Stdin extends OutputStream {
    private CompletableFuture<Empty> tail = CompletableFuture.completedFuture(null);
    private long inFlight;
    private boolean eof;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      if (length == 0) {
        return;
      }
      ByteString chunk = ByteString.copyFrom(bytes, offset, length);
      CompletableFuture<Empty> wait;
      synchronized (this) {
        if (eof) {
          throw new IOException("standard input of '" + program + "' is closed");
        }
        failIfFailed();
        inFlight += length;
        tail = tail.thenCompose(ignored -> send(WriteStdinRequest.newBuilder().setInput(chunk)))
            .whenComplete((ignored, error) -> {
              synchronized (this) {
                inFlight -= length;
              }
            });
        wait = inFlight > STDIN_IN_FLIGHT ? tail : null;
      }
      if (wait != null) {
        await(wait);
      }
    }

    @Override
    public void flush() throws IOException {
      CompletableFuture<Empty> pending;
      synchronized (this) {
        pending = tail;
      }
      await(pending);
    }

    @Override
    public void close() throws IOException {
      CompletableFuture<Empty> closing;
      synchronized (this) {
        if (eof) {
          return;
        }
        eof = true;
        if (!isAlive()) {
          return;
        }
        tail = tail.thenCompose(ignored -> send(WriteStdinRequest.newBuilder()
            .setEof(Empty.getDefaultInstance())));
        closing = tail;
      }
      await(closing);
    }

    private void failIfFailed() throws IOException {
      if (tail.isCompletedExceptionally()) {
        await(tail);
      }
    }

    private CompletableFuture<Empty> send(WriteStdinRequest.Builder request) {
      return processId.thenCompose(id -> GrpcCalls.unary(observer -> stub
          .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .writeStdin(request.setProcessId(id).build(), observer)));
    }

    private void await(CompletableFuture<Empty> pending) throws IOException {
      try {
        pending.get();
      } catch (ExecutionException e) {
        throw new IOException("Cannot write to the standard input of '" + program + "' in sandbox '"
            + ref.sandboxName() + "': " + GrpcFailures.of(e.getCause(), "WriteStdin", ref).getMessage(),
            e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing to the standard input of '"
            + program + "'");
      }
    }
  }
}
