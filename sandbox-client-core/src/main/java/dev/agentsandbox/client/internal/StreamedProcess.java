package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What every live process has, whichever way it runs: its two output channels, its result once
 * both have ended, its time limit, and a cancelled result that kills it. A transport feeds the
 * channels and says how the process ended ({@link #exitCodeIfKnown()}, {@link #failure}).
 */
abstract class StreamedProcess implements SandboxProcess {
  final SandboxRef ref;
  final String program;
  final boolean terminal;
  final long outputLimit;
  final OutputChannel stdout;
  final OutputChannel stderr;
  private final CompletableFuture<ExecutionResult> exit = new CompletableFuture<>();
  private final AtomicInteger streamsFinished = new AtomicInteger();
  private volatile ScheduledFuture<?> timer;
  private volatile boolean timedOut;

  /** @param outputLimit the most bytes of a stream collected into the result */
  StreamedProcess(SandboxRef ref, ProcessSpec spec, long outputLimit) {
    this.ref = ref;
    this.program = spec.command().get(0);
    this.terminal = spec.terminal().isPresent();
    this.outputLimit = outputLimit;
    this.stdout = new OutputChannel("stdout", outputLimit, this::capacityChanged, this::streamFinished);
    this.stderr = new OutputChannel("stderr", outputLimit, this::capacityChanged, this::streamFinished);
    exit.whenComplete((result, error) -> {
      if (error instanceof CancellationException) {
        kill();
      }
    });
  }

  /** A channel can take more: the transport may read on. */
  abstract void capacityChanged();

  /** The exit code, once the process's exit was seen; null otherwise. */
  abstract Integer exitCodeIfKnown();

  /** Why the output ended without an exit code, as the client's exception. */
  abstract SandboxException failure();

  /** Told once both streams are over, before the result completes. */
  void ended() {
  }

  /** Kills the process after {@code limit}, which its result then reports as timed out. */
  void limitTime(ScheduledExecutorService scheduler, Duration limit) {
    timer = scheduler.schedule(() -> {
      if (isAlive()) {
        timedOut = true;
        kill();
      }
    }, limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void streamFinished() {
    if (streamsFinished.incrementAndGet() < 2) {
      return;
    }
    ScheduledFuture<?> pending = timer;
    if (pending != null) {
      pending.cancel(false);
    }
    ended();
    Integer code = exitCodeIfKnown();
    if (code == null) {
      exit.completeExceptionally(failure());
    } else if (stdout.overflowed() || stderr.overflowed()) {
      exit.completeExceptionally(new SandboxResponseTooLargeException("Output of process '" + program + "'",
          outputLimit, ref.claimName(), ref.namespace()));
    } else {
      exit.complete(new ExecutionResult(stdout.text(), stderr.text(), code, timedOut));
    }
  }

  @Override
  public Flow.Publisher<ByteBuffer> stdout() {
    return stdout;
  }

  @Override
  public Flow.Publisher<ByteBuffer> stderr() {
    return stderr;
  }

  @Override
  public void onStdoutLine(Consumer<String> handler) {
    stdout.subscribeOrThrow(new LineSubscriber(Objects.requireNonNull(handler, "handler")));
  }

  @Override
  public void onStderrLine(Consumer<String> handler) {
    stderr.subscribeOrThrow(new LineSubscriber(Objects.requireNonNull(handler, "handler")));
  }

  @Override
  public CompletableFuture<ExecutionResult> onExit() {
    stdout.collect();
    stderr.collect();
    return exit;
  }
}
