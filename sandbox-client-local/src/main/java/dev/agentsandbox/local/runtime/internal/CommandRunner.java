package dev.agentsandbox.local.runtime.internal;

import dev.agentsandbox.local.runtime.CommandIsolation;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands for {@code POST /execute}: splits the line into words, starts the program
 * directly (no shell) in the base directory, collects stdout and stderr up to a limit, and kills
 * the whole process tree on timeout, on overflow and on {@link #close()}.
 *
 * <p>Each running command occupies two threads of a bounded pool owned by this runner (one reads
 * stdout and waits for the exit, one reads stderr); threads are reused across commands, so the
 * common path creates none. The number of concurrent commands is capped at {@link
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
  private static final File DEV_NULL = new File("/dev/null");
  private static final int READ_CHUNK = 16 * 1024;
  /** Drains run one at a time per thread; reusing the chunk keeps a command's garbage small. */
  private static final ThreadLocal<byte[]> CHUNKS = ThreadLocal.withInitial(() -> new byte[READ_CHUNK]);
  private static final Pattern ERRNO = Pattern.compile("error=(\\d+), (.+)");
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final Path baseDir;
  private final Duration timeout;
  private final long maxOutputBytes;
  private final CommandIsolation isolation;
  private final Map<String, String> environment;
  private final ThreadPoolExecutor readers;
  private final String markerPrefix = Long.toHexString(System.nanoTime()) + "-"
      + Long.toHexString(Double.doubleToLongBits(Math.random()));
  private final AtomicLong commandCount = new AtomicLong();
  private final Semaphore permits = new Semaphore(MAX_CONCURRENT_COMMANDS);
  private final Set<Execution> running = new HashSet<>();
  private boolean closed;

  /**
   * Creates a runner; {@code name} only labels its threads.
   */
  public CommandRunner(Vertx vertx, Path baseDir, Duration timeout, long maxOutputBytes,
      CommandIsolation isolation, Map<String, String> environment, String name) {
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
      try {
        readers.execute(execution::run);
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
      if (!readers.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Command output readers still busy {}s after close; a killed command left a "
            + "process holding its output open", CLOSE_GRACE.toSeconds());
        readers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Execution {
    final List<String> argv;
    final String marker = markerPrefix + "-" + commandCount.incrementAndGet();
    final CompletableFuture<ExecResult> result = new CompletableFuture<>();
    final Context context;
    final AtomicBoolean answered = new AtomicBoolean();
    volatile long timer;
    private Process process;
    private boolean killed;

    Execution(List<String> argv, Context context) {
      this.argv = argv;
      this.context = context;
    }

    /** Delivers the first answer on the caller's context, where the timer is cancelled too. */
    void answer(ExecResult answer) {
      if (answered.compareAndSet(false, true)) {
        deliver(answer);
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

    void run() {
      try {
        synchronized (running) {
          if (closed) {
            answer(ExecResult.failure("the runtime is shutting down"));
            return;
          }
          running.add(this);
        }
        Process started;
        try {
          started = start();
        } catch (IOException e) {
          answer(ExecResult.failure(describe(e)));
          return;
        }
        synchronized (this) {
          process = started;
          if (killed) {
            ProcessTree.kill(started, marker);
          }
        }
        collect(started);
      } catch (RuntimeException e) {
        LOG.error("Command {} failed unexpectedly", argv.get(0), e);
        abort(String.valueOf(e));
      } finally {
        synchronized (running) {
          running.remove(this);
        }
        permits.release();
      }
    }

    private Process start() throws IOException {
      if (isolation.isolated()) {
        checkProgramExists();
      }
      ProcessBuilder builder = new ProcessBuilder(isolation.wrap(argv, baseDir))
          .directory(baseDir.toFile())
          .redirectInput(DEV_NULL);
      Map<String, String> env = builder.environment();
      env.clear();
      env.putAll(environment);
      env.put(ProcessTree.MARKER_VARIABLE, marker);
      return builder.start();
    }

    /**
     * Inside the sandbox a missing program is reported by bubblewrap in its own words; looking it
     * up first (the sandbox sees the host's files) keeps the reference runtime's error.
     */
    private void checkProgramExists() throws IOException {
      String program = argv.get(0);
      if (program.contains("/")) {
        if (!Files.exists(baseDir.resolve(program))) {
          throw new IOException("error=2, No such file or directory");
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
      throw new IOException("error=2, No such file or directory");
    }

    private void collect(Process started) {
      CompletableFuture<byte[]> stderr;
      try {
        stderr = CompletableFuture.supplyAsync(() -> drain(started.getErrorStream(), "stderr"),
            readers);
      } catch (RejectedExecutionException e) {
        abort("the runtime is shutting down");
        return;
      }
      byte[] stdout = drain(started.getInputStream(), "stdout");
      int exitCode;
      try {
        exitCode = started.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abort("interrupted");
        return;
      }
      byte[] err = stderr.join();
      if (stdout != null && err != null) {
        answer(new ExecResult(decode(stdout), decode(err), exitCode));
      }
    }

    /** Reads a stream to its end; returns null when the output limit was exceeded. */
    private byte[] drain(InputStream in, String stream) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      byte[] chunk = CHUNKS.get();
      try (in) {
        int n;
        while ((n = in.read(chunk)) != -1) {
          if (out.size() + (long) n > maxOutputBytes) {
            abort("output exceeded " + maxOutputBytes + " bytes on " + stream);
            return null;
          }
          out.write(chunk, 0, n);
        }
      } catch (IOException e) {
        if (!answered.get()) {
          abort("reading " + stream + " failed: " + e.getMessage());
        }
        return null;
      }
      return out.toByteArray();
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
     * Kills the tree, then answers with {@code reason} unless an answer was already given. The
     * answer is claimed before the kill, so the exit caused by the kill cannot win the race, and
     * sent after it, so a client never sees the response while the command still runs.
     */
    void abort(String reason) {
      boolean claimed = answered.compareAndSet(false, true);
      Process target;
      synchronized (this) {
        killed = true;
        target = process;
      }
      if (target != null) {
        ProcessTree.kill(target, marker);
      }
      if (claimed) {
        deliver(ExecResult.failure(reason));
      }
    }

    private String describe(IOException e) {
      // The JDK reports "Cannot run program ...: error=2, No such file or directory"; the
      // reference runtime reports Python's "[Errno 2] No such file or directory: 'prog'".
      for (Throwable t = e; t != null; t = t.getCause()) {
        Matcher m = ERRNO.matcher(String.valueOf(t.getMessage()));
        if (m.find()) {
          return "[Errno " + m.group(1) + "] " + m.group(2) + ": '" + argv.get(0) + "'";
        }
      }
      return String.valueOf(e.getMessage());
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
