package dev.agentsandbox.runtime.internal;

import dev.agentsandbox.runtime.RuntimeOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
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
 * directly (no shell) in the base directory, collects stdout and stderr up to a limit (in memory
 * while small, in unlinked temporary files beyond, see {@link OutputSpool}), and kills the whole
 * process tree on timeout, on overflow, when the caller cancels and on {@link #close()}.
 *
 * <p>Commands start either in this JVM or in a {@link LauncherProcess}. Started here, each
 * running command occupies two threads of a bounded pool owned by this runner (one reads stdout
 * and waits for the exit, one reads stderr); threads are reused across commands, so the common
 * path creates none. The launcher does the same in its own, small process: a process holding
 * few descriptors starts children faster, since a child closes every inherited descriptor before
 * it executes the command. The number of concurrent commands is capped at {@link
 * #MAX_CONCURRENT_COMMANDS}; a command holds its slot until its {@link CommandResult} is closed,
 * that is until its answer was sent, so spooled output is bounded too.
 *
 * <p>Background processes that keep stdout or stderr open after the command exits: the JDK
 * closes a process's pipes when it exits unless a read is in progress at that moment, so such a
 * command is answered either when it exits (later output is lost) or at the timeout, never later.
 * The background processes are killed at the timeout or when the runner closes, found as members
 * of the command's session or by their marker (see {@link ProcessTree}). Under bubblewrap they
 * die with the command, together with its pid namespace.
 *
 * <p>Timeouts are Vert.x timers set on the caller's context and results are delivered on that
 * context, so the hot path wakes no extra thread for timer bookkeeping.
 */
public final class CommandRunner implements AutoCloseable {

  /** Commands allowed to run at once per runtime; more are refused rather than queued. */
  public static final int MAX_CONCURRENT_COMMANDS = 64;

  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  private static final int SESSIONS_PRUNE_MIN = 256;
  /**
   * How often, at most, finished commands' sessions without members are forgotten, so that their
   * ids, pids the kernel may reuse, are not kept long once free.
   */
  private static final long SESSIONS_PRUNE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Vertx vertx;
  private final Path baseDir;
  private final RuntimeOptions options;
  private final ThreadPoolExecutor readers;
  private final LauncherProcess launcher;
  private final String markerPrefix = Long.toHexString(System.nanoTime()) + "-"
      + Long.toHexString(Double.doubleToLongBits(Math.random()));
  private final AtomicLong commandCount = new AtomicLong();
  private final Semaphore permits = new Semaphore(MAX_CONCURRENT_COMMANDS);
  private final Set<Execution> running = new HashSet<>();
  /**
   * Sessions of finished commands, which background processes may still be members of: session
   * id to the start time of its leader (see {@link ProcessTree#sweep}).
   */
  private final Map<Long, Long> finishedSessions = new HashMap<>();
  private int sessionsPruneAt = SESSIONS_PRUNE_MIN;
  private long lastPrune = System.nanoTime();
  private boolean pruning;
  private boolean closed;

  /**
   * Creates a runner for a runtime's commands, with the runtime's timeout, output limit,
   * isolation and environment; its threads are named after the runtime's address.
   *
   * @param baseDir the real path of the options' base directory, where commands run
   * @param launcher the process that starts commands, shared with other runners and not closed
   *     by this one; null to start them from this JVM
   */
  public CommandRunner(Vertx vertx, Path baseDir, RuntimeOptions options, LauncherProcess launcher) {
    this.vertx = vertx;
    this.baseDir = baseDir;
    this.options = options;
    this.launcher = launcher;
    this.readers = new ThreadPoolExecutor(2, 2 * MAX_CONCURRENT_COMMANDS, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        daemonThreads("sandbox-runtime-" + options.host() + ":" + options.port() + "-exec"));
  }

  /**
   * Runs {@code command} asynchronously. The future completes normally unless cancelled:
   * failures to start, timeouts and oversized output become results with exit code 1 and a
   * stderr starting with {@code Failed to execute command:}, as in the reference runtime. The
   * future completes on the Vert.x context of the calling thread (a new one if the caller has
   * none). Its result must be closed. Cancelling the future kills the command's process tree.
   *
   * @param requestedTimeout the caller's own timeout, or null; the command is killed after the
   *     shorter of it and the runner's
   */
  CompletableFuture<CommandResult> run(String command, Duration requestedTimeout) {
    List<String> argv;
    try {
      argv = ShellWords.split(command);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(CommandResult.failure(e.getMessage(), () -> { }));
    }
    if (argv.isEmpty()) {
      return CompletableFuture.completedFuture(CommandResult.failure("empty command", () -> { }));
    }
    if (!permits.tryAcquire()) {
      return CompletableFuture.completedFuture(CommandResult.failure(
          "too many commands running at once (limit " + MAX_CONCURRENT_COMMANDS + ")", () -> { }));
    }
    Duration limit = requestedTimeout != null && requestedTimeout.compareTo(timeout()) < 0
        ? requestedTimeout : timeout();
    try {
      Execution execution = new Execution(argv, vertx.getOrCreateContext(), limit);
      execution.timer = vertx.setTimer(Math.max(1, limit.toMillis()), id -> execution.timedOut());
      execution.result.whenComplete((done, error) -> {
        if (error instanceof CancellationException) {
          execution.cancelled();
        }
      });
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
      return CompletableFuture.completedFuture(
          CommandResult.failure("the runtime is shutting down", () -> { }));
    }
  }

  /** How long a command may run, unless its caller asks for less. */
  Duration timeout() {
    return options.execTimeout();
  }

  /** Threads that may block on behalf of commands, such as streaming a large answer. */
  Executor blockingExecutor() {
    return readers;
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
    Map<Long, Long> sessions;
    synchronized (running) {
      sessions = Map.copyOf(finishedSessions);
    }
    ProcessTree.sweep(markerPrefix + "-", sessions);
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

  /** Forgets the sessions that have no member left; runs on a reader thread. */
  private void pruneSessions() {
    Set<Long> snapshot;
    synchronized (running) {
      snapshot = Set.copyOf(finishedSessions.keySet());
    }
    Set<Long> live = ProcessTree.liveSessions(snapshot);
    synchronized (running) {
      finishedSessions.keySet().removeIf(s -> snapshot.contains(s) && !live.contains(s));
      sessionsPruneAt = Math.max(SESSIONS_PRUNE_MIN, 2 * finishedSessions.size());
      lastPrune = System.nanoTime();
      pruning = false;
    }
  }

  private final class Execution {
    final List<String> argv;
    final String marker = markerPrefix + "-" + commandCount.incrementAndGet();
    final CompletableFuture<CommandResult> result = new CompletableFuture<>();
    /** Completes once the process is gone, whatever the reason; every path completes it. */
    final CompletableFuture<CommandOutcome> outcome = new CompletableFuture<>();
    /** Completes after the command left the running set and its permit was returned. */
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    final Context context;
    final Duration limit;
    final AtomicBoolean answered = new AtomicBoolean();
    final OutputSpool stdout = new OutputSpool();
    final OutputSpool stderr = new OutputSpool();
    /** Whether the command leads a session of its own, whose members die with it. */
    final boolean ownSession = !options.isolation().isolated() && ProcessTree.sessionsAvailable();
    volatile long timer;
    volatile long pid = -1;
    volatile long startTime = -1;
    private volatile String abortReason;
    private volatile Runnable killer = () -> { };
    private final AtomicBoolean released = new AtomicBoolean();

    Execution(List<String> argv, Context context, Duration limit) {
      this.argv = argv;
      this.context = context;
      this.limit = limit;
      outcome.whenComplete((done, error) -> finish(done, error));
    }

    /**
     * What to start: the command, wrapped as isolation, session and signal actions need, in the
     * base directory.
     */
    private LauncherFrames.Start launch() {
      List<String> wrapped = options.isolation().wrap(argv, baseDir);
      wrapped = SignalDefaults.wrap(ownSession ? ProcessTree.inNewSession(wrapped) : wrapped);
      return new LauncherFrames.Start(0, wrapped,
          argv.get(0), baseDir, options.environment(), marker, options.maxOutputBytes(), ownSession);
    }

    /** Returns the command's slot; once. */
    private void release() {
      if (released.compareAndSet(false, true)) {
        permits.release();
      }
    }

    /** Starts the command in this JVM, on a reader thread. */
    void runHere() {
      if (!register()) {
        return;
      }
      CommandProcess process;
      try {
        process = new CommandProcess(launch());
        if (options.isolation().isolated() || ownSession) {
          checkProgramExists();
        }
      } catch (IOException e) {
        outcome.complete(CommandOutcome.failure(e.getMessage()));
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
        outcome.complete(process.run(readers, stdout::write, stderr::write, (started, start) -> {
          startTime = start;
          pid = started;
        }));
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
        if (options.isolation().isolated() || ownSession) {
          checkProgramExists();
        }
        LauncherProcess.RemoteCommand remote = launcher.start(launch(), stdout, stderr);
        killer = remote::kill;
        if (abortReason != null) {
          remote.kill();
        }
        remote.outcome().whenComplete((done, error) -> {
          startTime = remote.startTime();
          pid = remote.pid();
          if (error != null) {
            outcome.completeExceptionally(error);
          } else {
            outcome.complete(done);
          }
        });
      } catch (IOException e) {
        outcome.complete(CommandOutcome.failure(e.getMessage()));
      } catch (IllegalStateException e) {
        // The launcher is closed, or waits to be started again.
        outcome.complete(CommandOutcome.failure(e.getMessage()));
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
      boolean prune = false;
      synchronized (running) {
        running.remove(this);
        if (ownSession && pid > 0) {
          finishedSessions.put(pid, startTime);
        }
        prune = !pruning && !finishedSessions.isEmpty()
            && (finishedSessions.size() >= sessionsPruneAt
                || System.nanoTime() - lastPrune >= SESSIONS_PRUNE_NANOS);
        pruning |= prune;
      }
      if (prune) {
        try {
          readers.execute(CommandRunner.this::pruneSessions);
        } catch (RejectedExecutionException e) {
          // Closing: the sessions are swept anyway.
          synchronized (running) {
            pruning = false;
          }
        }
      }
      finished.complete(null);
      if (error != null) {
        LOG.error("Command {} failed unexpectedly", argv.get(0), error);
      }
      String failure = null;
      if (answered.compareAndSet(false, true)) {
        if (error != null) {
          failure = String.valueOf(error);
        } else if (done.failed()) {
          failure = done.failure();
        }
      } else {
        failure = abortReason != null ? abortReason : "killed";
      }
      if (failure != null) {
        stdout.close();
        stderr.close();
        deliver(CommandResult.failure(failure, this::release));
      } else {
        deliver(CommandResult.completed(stdout, stderr, done.exitCode(), this::release));
      }
    }

    private void deliver(CommandResult answer) {
      try {
        context.runOnContext(v -> {
          vertx.cancelTimer(timer);
          complete(answer);
        });
      } catch (RejectedExecutionException vertxClosed) {
        complete(answer);
      }
    }

    /** A cancelled caller takes no answer: its slot and output are freed at once. */
    private void complete(CommandResult answer) {
      if (!result.complete(answer)) {
        answer.close();
      }
    }

    /**
     * Inside the sandbox, or behind {@code setsid}, a missing program is reported by the wrapper
     * in its own words; looking it up first (the sandbox sees the host's files) keeps the
     * reference runtime's error.
     */
    private void checkProgramExists() throws IOException {
      String program = argv.get(0);
      if (program.contains("/")) {
        Path target = baseDir.resolve(program);
        if (!Files.exists(target)) {
          throw new IOException(errno(2, "No such file or directory"));
        }
        if (Files.isDirectory(target) || !Files.isExecutable(target)) {
          throw new IOException(errno(13, "Permission denied"));
        }
        return;
      }
      String path = options.environment().getOrDefault("PATH", "");
      for (String dir : path.split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
        if (!dir.isEmpty() && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return;
        }
      }
      throw new IOException(errno(2, "No such file or directory"));
    }

    /** Python's wording of a failed exec, as the reference runtime reports it. */
    private String errno(int number, String text) {
      return "[Errno " + number + "] " + text + ": '" + argv.get(0) + "'";
    }

    /** Runs on the event loop; the kill scans /proc, so it moves to a worker thread. */
    private void timedOut() {
      String reason = "Command '" + pythonList(argv) + "' timed out after "
          + (limit.toMillis() / 1000.0) + " seconds";
      abortLater(reason);
    }

    /** The caller went away (the client closed its connection): nobody waits for the answer. */
    void cancelled() {
      abortLater("cancelled: the client closed the connection");
    }

    private void abortLater(String reason) {
      try {
        vertx.executeBlocking(() -> {
          abort(reason);
          return null;
        }, false);
      } catch (RejectedExecutionException | IllegalStateException vertxClosed) {
        abort(reason);
      }
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
