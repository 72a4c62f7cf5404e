package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live process on the legacy runtime, run through the Kubernetes {@code pods/exec} API
 * ({@link ExecChannel}, which streams): output while it runs, stdin, a terminal with resizes.
 *
 * <p>The exec API has no signals, so the command runs under a small shell that first prints its
 * pid (the first line of stderr, or of the terminal's output); a signal is then a second exec of
 * {@code kill} to the process's group, or to the process when it leads none. That needs the two
 * execs to share a pid namespace, as a pod's containers do; an interrupt of a process with a
 * terminal is sent as the terminal's Ctrl-C instead.
 */
final class PodExecProcess extends StreamedProcess {
  private static final Logger LOG = LoggerFactory.getLogger(PodExecProcess.class);
  /** Prints the pid, then becomes the command: the pid is the command's. */
  private static final String PID_WRAPPER = "echo \"$$\" >&2; exec \"$@\"";
  private static final byte CTRL_C = 3;
  private static final byte CTRL_D = 4;
  /** Bytes of stdin queued on the exec before a write waits. */
  private static final long STDIN_QUEUED = 1L << 20;

  private final KubernetesClient kubernetes;
  private final String podName;
  private final Duration callTimeout;
  private final CompletableFuture<Long> pid = new CompletableFuture<>();
  private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ExecChannel channel;
  private final Stdin stdin = new Stdin();
  private volatile Throwable failure;

  private PodExecProcess(KubernetesClient kubernetes, SandboxRef ref, String podName, ProcessSpec spec,
      Duration callTimeout, long outputLimit) {
    super(ref, spec, outputLimit);
    this.kubernetes = kubernetes;
    this.podName = podName;
    this.callTimeout = callTimeout;
  }

  /**
   * Starts {@code spec} in the sandbox's pod and waits until its pid is known.
   *
   * @throws SandboxException if the exec was refused (for example for want of RBAC) or failed
   */
  static PodExecProcess start(KubernetesClient kubernetes, SandboxRef ref, String podName, ProcessSpec spec,
      Duration callTimeout, long outputLimit, ScheduledExecutorService scheduler) throws InterruptedException {
    PodExecProcess process = new PodExecProcess(kubernetes, ref, podName, spec, callTimeout, outputLimit);
    CompletableFuture<?> opened = process.open(spec);
    try {
      // The pid line may come before the channel is handed over; both are needed from here on.
      CompletableFuture.allOf(process.pid, opened).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      process.close();
      throw process.failureOf(e.getCause(), "Start of '" + process.program + "'");
    } catch (TimeoutException e) {
      process.close();
      throw new SandboxConnectionException("Start of '" + process.program + "' in sandbox '" + ref.sandboxName()
          + "' through pods/exec got no answer within " + callTimeout.toMillis() + " ms", ref.claimName(),
          ref.namespace(), e);
    } catch (InterruptedException e) {
      process.close();
      throw e;
    }
    spec.timeout().ifPresent(limit -> process.limitTime(scheduler, limit));
    return process;
  }

  /** The argument vector that runs {@code spec} behind the pid-printing shell. */
  static List<String> command(ProcessSpec spec) {
    // With a terminal, its size is set before the command runs; a resize would come too late.
    String wrapper = spec.terminal().map(size -> "stty cols " + size.cols() + " rows " + size.rows()
        + " 2>/dev/null; ").orElse("") + PID_WRAPPER;
    List<String> argv = new ArrayList<>(List.of("sh", "-c", wrapper, "sh"));
    if (!spec.environment().isEmpty() || spec.cwd().isPresent()) {
      argv.add("env");
      spec.cwd().ifPresent(cwd -> {
        argv.add("-C");
        argv.add(cwd);
      });
      // Options end before the assignments: env takes the word after them as the command.
      argv.add("--");
      for (Map.Entry<String, String> variable : spec.environment().entrySet()) {
        argv.add(variable.getKey() + "=" + variable.getValue());
      }
    }
    argv.addAll(spec.command());
    return argv;
  }

  /** Opens the exec; completes once {@link #channel} is set, or fails as the exec failed. */
  private CompletableFuture<?> open(ProcessSpec spec) {
    return ExecChannel.open(kubernetes, ref.namespace(), podName, command(spec), terminal, callTimeout.toMillis(),
        new Events()).whenComplete((opened, error) -> {
          if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            failure = cause;
            pid.completeExceptionally(cause);
            stdout.end(cause);
            stderr.end(cause);
          } else {
            channel = opened;
          }
        });
  }

  /** The exec's messages, on its WebSocket's thread. */
  private final class Events implements ExecChannel.Events {
    private final StringBuilder pidLine = new StringBuilder();

    @Override
    public void stdout(ByteBuffer bytes) {
      deliver(stdout, terminal ? sniffPid(bytes) : bytes);
    }

    @Override
    public void stderr(ByteBuffer bytes) {
      deliver(stderr, terminal ? bytes : sniffPid(bytes));
    }

    /** The bytes after the wrapper's pid line, which is taken off the stream. */
    private ByteBuffer sniffPid(ByteBuffer bytes) {
      while (!pid.isDone() && bytes.hasRemaining()) {
        byte b = bytes.get();
        if (b == '\n') {
          String line = pidLine.toString().strip();
          try {
            pid.complete(Long.parseLong(line));
          } catch (NumberFormatException e) {
            pid.completeExceptionally(new IOException("the command's wrapper printed no pid but '" + line + "'"));
          }
        } else {
          pidLine.append((char) b);
        }
      }
      return bytes;
    }

    private void deliver(OutputChannel target, ByteBuffer bytes) {
      if (bytes.hasRemaining() && !target.offer(bytes)) {
        kill();
      }
    }

    @Override
    public void exited(int code) {
      exitCode.complete(code);
    }

    @Override
    public void closed(Throwable error) {
      if (error != null && failure == null) {
        failure = error;
      }
      if (!pid.isDone()) {
        pid.completeExceptionally(error != null ? error : new IOException("the exec ended before the command ran"));
      }
      stdout.end(exitCode.isDone() ? null : error);
      stderr.end(exitCode.isDone() ? null : error);
    }

    @Override
    public boolean canTakeMore() {
      return stdout.canAccept() && stderr.canAccept();
    }
  }

  private SandboxException failureOf(Throwable error, String what) {
    Throwable cause = error;
    while (cause.getCause() != null && !(cause instanceof KubernetesClientException)) {
      cause = cause.getCause();
    }
    if (cause instanceof KubernetesClientException k && k.getCode() == 403) {
      return new SandboxException(what + " in sandbox '" + ref.sandboxName() + "' was refused: the legacy "
          + "runtime runs live processes through pods/exec, which your credentials may not create in namespace '"
          + ref.namespace() + "' (RBAC: create on pods/exec)", ref.claimName(), ref.namespace(), error);
    }
    return new SandboxConnectionException(what + " in sandbox '" + ref.sandboxName() + "' through pods/exec "
        + "failed: " + error.getMessage(), ref.claimName(), ref.namespace(), error);
  }

  @Override
  void capacityChanged() {
    ExecChannel current = channel;
    if (current != null) {
      current.requestMore();
    }
  }

  @Override
  Integer exitCodeIfKnown() {
    return exitCode.getNow(null);
  }

  @Override
  SandboxException failure() {
    return failureOf(failure == null ? new IOException("the exec ended") : failure, "Process '" + program + "'");
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  /** Standard input: channel 0 of the exec, at most {@link #STDIN_QUEUED} bytes queued. */
  private final class Stdin extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      ExecChannel current = open();
      if (!current.write(bytes, offset, length)) {
        throw new IOException("the exec of '" + program + "' is closed");
      }
      while (current.queued() > STDIN_QUEUED && isAlive()) {
        pause();
      }
    }

    @Override
    public void flush() throws IOException {
      ExecChannel current = open();
      while (current.queued() > 0 && isAlive()) {
        pause();
      }
    }

    private ExecChannel open() throws IOException {
      ExecChannel current = channel;
      if (current == null) {
        throw new IOException("the exec of '" + program + "' is not open");
      }
      return current;
    }

    /** Waits a little for the WebSocket to send; it tells nothing when its queue drains. */
    private void pause() throws InterruptedIOException {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing to '" + program + "'");
      }
    }

    @Override
    public void close() {
      closeStdin();
    }
  }

  @Override
  public void closeStdin() {
    ExecChannel current = channel;
    if (current == null || !isAlive()) {
      return;
    }
    if (!current.canCloseStdin() && terminal) {
      // A terminal ends the input at an empty line's Ctrl-D.
      current.write(new byte[] {CTRL_D}, 0, 1);
      return;
    }
    current.closeStdin();
  }

  @Override
  public void signal(ProcessSignal signal) {
    Objects.requireNonNull(signal, "signal");
    if (!isAlive()) {
      return;
    }
    ExecChannel current = channel;
    if (signal == ProcessSignal.INTERRUPT && terminal && current != null) {
      current.write(new byte[] {CTRL_C}, 0, 1);
      return;
    }
    long target = pid.join();
    String name = switch (signal) {
      case INTERRUPT -> "INT";
      case TERMINATE -> "TERM";
      case KILL -> "KILL";
    };
    String kill = "kill -s " + name + " -- -" + target + " 2>/dev/null || kill -s " + name + " " + target;
    try (ExecWatch killer = kubernetes.pods().inNamespace(ref.namespace()).withName(podName)
        .redirectingOutput().redirectingError().exec("sh", "-c", kill)) {
      Integer code = killer.exitCode().get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (code != null && code != 0 && isAlive()) {
        throw new SandboxException("Signal " + signal + " to '" + program + "' (pid " + target + ") in sandbox '"
            + ref.sandboxName() + "' failed: kill exited with " + code, ref.claimName(), ref.namespace(), null);
      }
    } catch (ExecutionException e) {
      if (isAlive()) {
        throw failureOf(e.getCause(), "Signal " + signal + " to '" + program + "'");
      }
    } catch (TimeoutException e) {
      throw new SandboxConnectionException("Signal " + signal + " to '" + program + "' got no answer within "
          + callTimeout.toMillis() + " ms", ref.claimName(), ref.namespace(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxConnectionException("Interrupted while signalling '" + program + "'", ref.claimName(),
          ref.namespace(), e);
    }
  }

  @Override
  public void resize(int cols, int rows) {
    ProcessSpec.TerminalSize size = new ProcessSpec.TerminalSize(cols, rows);
    if (!terminal) {
      throw new IllegalStateException("process '" + program + "' was started without a terminal");
    }
    ExecChannel current = channel;
    if (current != null) {
      current.resize(size.cols(), size.rows());
    }
  }

  @Override
  public boolean isAlive() {
    return !exitCode.isDone() && failure == null;
  }

  @Override
  public void kill() {
    if (!isAlive()) {
      return;
    }
    try {
      signal(ProcessSignal.KILL);
    } catch (SandboxException e) {
      LOG.debug("Kill of '{}' failed: {}", program, e.getMessage());
    } finally {
      // A runtime that ends the command with its exec (the embedded cluster's) does so now.
      ExecChannel current = channel;
      if (current != null && isAlive()) {
        current.close();
      }
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    kill();
    ExecChannel current = channel;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public String toString() {
    return "SandboxProcess[" + program + " via pods/exec, sandbox=" + ref.sandboxName()
        + (isAlive() ? "" : ", exited " + exitCode.getNow(null)) + "]";
  }
}
