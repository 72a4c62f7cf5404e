package dev.agentsandbox.local.runtime.internal;

import dev.agentsandbox.local.runtime.CommandIsolation;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands for {@code POST /execute}: splits the line into words, starts the program
 * directly (no shell) in the base directory, collects stdout and stderr up to a limit, and kills
 * the whole process tree on timeout, on overflow and on {@link #close()}.
 *
 * <p>Commands start either in this JVM or in a {@link LauncherProcess}. Started here, each
 * running command occupies two threads of a bounded pool owned by this runner (one reads stdout
 * and waits for the exit, one reads stderr); threads are reused across commands, so the common
 * path creates none. The launcher does the same in its own, small process: a process holding
 * few descriptors starts children faster, since a child closes every inherited descriptor before
 * it executes the command. The number of concurrent commands is capped at {@link
 * #MAX_CONCURRENT_COMMANDS}.
 *
 * <p>Background processes that keep stdout or stderr open after the command exits: the JDK
 * closes a process's pipes when it exits unless a read is in progress at that moment, so such a
 * command is answered either when it exits (later output is lost) or at the timeout, never later.
 * The background processes are killed at the timeout or when the runner closes. Under bubblewrap
 * they die with the command, together with its pid namespace.
 *
 * <p>Timeouts are Vert.x timers set on the caller's context and results are delivered on that
 * context, so the hot path wakes no extra thread for timer bookkeeping.
 */
public final class CommandRunner implements AutoCloseable {

  /** Commands allowed to run at once per runtime; more are refused rather than queued. */
  public static final int MAX_CONCURRENT_COMMANDS = 64;

  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final Path baseDir;
  private final Duration timeout;
  private final long maxOutputBytes;
  private final CommandIsolation isolation;
  private final Map<String, String> environment;
  private final ThreadPoolExecutor readers;
  private final LauncherProcess launcher;
  private final String markerPrefix = Long.toHexString(System.nanoTime()) + "-"
      + Long.toHexString(Double.doubleToLongBits(Math.random()));
  private final AtomicLong commandCount = new AtomicLong();
  private final Semaphore permits = new Semaphore(MAX_CONCURRENT_COMMANDS);
  private final Set<Execution> running = new HashSet<>();
  private boolean closed;

  /**
   * Creates a runner; {@code name} only labels its threads.
   *
   * @param launcher the process that starts commands, shared with other runners and not closed
   *     by this one; null to start them from this JVM
   */
  public CommandRunner(Vertx vertx, Path baseDir, Duration timeout, long maxOutputBytes,
      CommandIsolation isolation, Map<String, String> environment, String name,
      LauncherProcess launcher) {
    this.launcher = launcher;
    this.vertx = vertx;
    this.baseDir = baseDir;
    this.timeout = timeout;
    this.maxOutputBytes = maxOutputBytes;
    this.isolation = isolation;
    this.environment = environment;
    this.readers = new ThreadPoolExecutor(2, 2 * MAX_CONCURRENT_COMMANDS, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemonThreads(name + "-exec"));
  }

  /**
   * Runs {@code command} asynchronously. The future always completes normally: failures to start,
   * timeouts and oversized output become results with exit code 1 and a stderr starting with
   * {@code Failed to execute command:}, as in the reference runtime. The future completes on the
   * Vert.x context of the calling thread (a new one if the caller has none).
   */
  public CompletableFuture<ExecResult> run(String command) {
    List<String> argv;
    try {
      argv = ShellWords.split(command);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(ExecResult.failure(e.getMessage()));
    }
    if (argv.isEmpty()) {
      return CompletableFuture.completedFuture(ExecResult.failure("empty command"));
    }
    if (!permits.tryAcquire()) {
      return CompletableFuture.completedFuture(ExecResult.failure(
          "too many commands running at once (limit " + MAX_CONCURRENT_COMMANDS + ")"));
    }
    try {
      Execution execution = new Execution(argv, vertx.getOrCreateContext());
      execution.timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> execution.timedOut());
      if (launcher != null) {
        execution.runInLauncher();
        return execution.result;
      }
      try {
        readers.execute(execution::runHere);
      } catch (RejectedExecutionException e) {
        vertx.cancelTimer(execution.timer);
        throw e;
      }
      return execution.result;
    } catch (RejectedExecutionException | IllegalStateException e) {
      // The runner or Vert.x is closed.
      permits.release();
      return CompletableFuture.completedFuture(ExecResult.failure("the runtime is shutting down"));
    }
  }

  /** The number of commands currently running. */
  public int runningCount() {
    synchronized (running) {
      return running.size();
    }
  }

  /**
   * Kills every running command with its process tree, and any background process a finished
   * command left behind, then stops the threads; blocks up to a few seconds for the readers to
   * finish. Idempotent.
   */
  @Override
  public void close() {
    List<Execution> victims;
    synchronized (running) {
      if (closed) {
        return;
      }
      closed = true;
      victims = new ArrayList<>(running);
    }
    for (Execution execution : victims) {
      execution.abort("the runtime is shutting down");
    }
    // Finished commands may have left background processes behind, as a pod's would; the pod is
    // going away, so they go too.
    ProcessTree.killMarked(markerPrefix + "-");
    readers.shutdown();
    try {
      // Commands in the launcher end when its answer arrives, not when a reader thread ends.
      CompletableFuture.allOf(victims.stream().map(e -> e.finished).toArray(CompletableFuture[]::new))
          .get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      if (!readers.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Command output readers still busy {}s after close; a killed command left a "
            + "process holding its output open", CLOSE_GRACE.toSeconds());
        readers.shutdownNow();
      }
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("Killed commands not confirmed gone {}s after close", CLOSE_GRACE.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Execution {
    final List<String> argv;
    final String marker = markerPrefix + "-" + commandCount.incrementAndGet();
    final CompletableFuture<ExecResult> result = new CompletableFuture<>();
    /** Completes once the process is gone, whatever the reason; every path completes it. */
    final CompletableFuture<CommandOutcome> outcome = new CompletableFuture<>();
    /** Completes after the command left the running set and its permit was returned. */
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    final Context context;
    final AtomicBoolean answered = new AtomicBoolean();
    volatile long timer;
    private volatile String abortReason;
    private volatile Runnable killer = () -> { };

    Execution(List<String> argv, Context context) {
      this.argv = argv;
      this.context = context;
      outcome.whenComplete((done, error) -> finish(done, error));
    }

    /** Starts the command in this JVM, on a reader thread. */
    void runHere() {
      if (!register()) {
        return;
      }
      CommandProcess process;
      try {
        process = new CommandProcess(isolation.wrap(argv, baseDir), argv.get(0), baseDir,
            environment, marker, maxOutputBytes);
        if (isolation.isolated()) {
          checkProgramExists();
        }
      } catch (IOException e) {
        outcome.complete(CommandOutcome.failure(describeMissing()));
        return;
      } catch (RuntimeException e) {
        outcome.completeExceptionally(e);
        return;
      }
      killer = process::kill;
      if (abortReason != null) {
        process.kill();
      }
      try {
        outcome.complete(process.run(readers));
      } catch (RuntimeException e) {
        outcome.completeExceptionally(e);
      }
    }

    /** Hands the command to the launcher process; returns at once. */
    void runInLauncher() {
      if (!register()) {
        return;
      }
      try {
        if (isolation.isolated()) {
          checkProgramExists();
        }
        LauncherProcess.RemoteCommand remote = launcher.start(isolation.wrap(argv, baseDir),
            argv.get(0), baseDir, environment, marker, maxOutputBytes);
        killer = remote::kill;
        if (abortReason != null) {
          remote.kill();
        }
        remote.outcome().whenComplete((done, error) -> {
          if (error != null) {
            outcome.completeExceptionally(error);
          } else {
            outcome.complete(done);
          }
        });
      } catch (IOException e) {
        outcome.complete(CommandOutcome.failure(describeMissing()));
      } catch (RuntimeException e) {
        outcome.completeExceptionally(e);
      }
    }

    private boolean register() {
      synchronized (running) {
        if (closed) {
          outcome.complete(CommandOutcome.failure("the runtime is shutting down"));
          return false;
        }
        running.add(this);
        return true;
      }
    }

    private void finish(CommandOutcome done, Throwable error) {
      synchronized (running) {
        running.remove(this);
      }
      permits.release();
      finished.complete(null);
      if (error != null) {
        LOG.error("Command {} failed unexpectedly", argv.get(0), error);
      }
      if (answered.compareAndSet(false, true)) {
        if (error != null) {
          deliver(ExecResult.failure(String.valueOf(error)));
        } else if (done.failed()) {
          deliver(ExecResult.failure(done.failure()));
        } else {
          deliver(new ExecResult(decode(done.stdout()), decode(done.stderr()), done.exitCode()));
        }
      } else if (abortReason != null) {
        deliver(ExecResult.failure(abortReason));
      }
    }

    private void deliver(ExecResult answer) {
      try {
        context.runOnContext(v -> {
          vertx.cancelTimer(timer);
          result.complete(answer);
        });
      } catch (RejectedExecutionException vertxClosed) {
        result.complete(answer);
      }
    }

    /**
     * Inside the sandbox a missing program is reported by bubblewrap in its own words; looking it
     * up first (the sandbox sees the host's files) keeps the reference runtime's error.
     */
    private void checkProgramExists() throws IOException {
      String program = argv.get(0);
      if (program.contains("/")) {
        if (!Files.exists(baseDir.resolve(program))) {
          throw new IOException("missing");
        }
        return;
      }
      String path = environment.getOrDefault("PATH", "");
      for (String dir : path.split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
        if (!dir.isEmpty() && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return;
        }
      }
      throw new IOException("missing");
    }

    private String describeMissing() {
      return "[Errno 2] No such file or directory: '" + argv.get(0) + "'";
    }

    /** Runs on the event loop; the kill scans /proc, so it moves to a worker thread. */
    private void timedOut() {
      String reason = "Command '" + pythonList(argv) + "' timed out after "
          + (timeout.toMillis() / 1000.0) + " seconds";
      vertx.executeBlocking(() -> {
        abort(reason);
        return null;
      }, false);
    }

    /**
     * Claims the answer, kills the tree, and answers with {@code reason} once the process is
     * gone, so the exit caused by the kill cannot win the race and a client never sees the
     * response while the command still runs.
     */
    void abort(String reason) {
      abortReason = reason;
      if (!answered.compareAndSet(false, true)) {
        return;
      }
      killer.run();
    }
  }

  /**
   * Decodes output like the reference runtime (Python text mode): UTF-8, with malformed bytes
   * replaced, and universal newlines ({@code \r\n} and {@code \r} become {@code \n}).
   */
  static String decode(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.indexOf('\r') < 0) {
      return text;
    }
    return text.replace("\r\n", "\n").replace('\r', '\n');
  }

  private static String pythonList(List<String> argv) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < argv.size(); i++) {
      s.append(i == 0 ? "'" : ", '").append(argv.get(i)).append('\'');
    }
    return s.append(']').toString();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
