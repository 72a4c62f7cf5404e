package dev.agentsandbox.runtime.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command as an operating-system process: started without a shell, stdin from
 * {@code /dev/null}, stdout and stderr copied to sinks up to a limit, killed with everything it
 * started.
 *
 * <p>Uses the JDK only, because it also runs inside the {@link CommandLauncher}'s small process,
 * whose class path holds nothing else.
 */
final class CommandProcess {
  private static final File DEV_NULL = new File("/dev/null");
  private static final int READ_CHUNK = 16 * 1024;
  /** Drains run one at a time per thread; reusing the chunk keeps a command's garbage small. */
  private static final ThreadLocal<byte[]> CHUNKS = ThreadLocal.withInitial(() -> new byte[READ_CHUNK]);
  private static final Pattern ERRNO = Pattern.compile("error=(\\d+), (.+)");

  private final LauncherFrames.Start command;
  private Process process;
  private long startTime = -1;
  private boolean killed;
  private volatile String overflow;

  /** A process for {@code command}, not started yet; its id is not used here. */
  CommandProcess(LauncherFrames.Start command) {
    this.command = command;
  }

  /** Told a command's process runs. */
  interface StartListener {
    /**
     * @param startTime the start time of the process (see {@link ProcessTree#startTime}), or -1
     */
    void started(long pid, long startTime);
  }

  /** Where a stream's bytes go; a failure to take them kills the command. */
  interface OutputSink {
    void write(byte[] bytes, int offset, int count) throws IOException;
  }

  /**
   * Starts the process and blocks until it exited and its output was copied. Reads stderr on a
   * thread of {@code readers}. A failure to start, output over the limit, a sink failure and a
   * kill give a failed outcome; the reason of a kill is the caller's, so it reads "killed".
   *
   * @param started told the process id once the process runs
   */
  CommandOutcome run(Executor readers, OutputSink stdoutSink, OutputSink stderrSink,
      StartListener started) {
    Process running;
    try {
      running = start();
    } catch (IOException e) {
      return CommandOutcome.failure(describe(e));
    }
    long start = command.ownSession() ? ProcessTree.startTime(running.pid()) : -1;
    started.started(running.pid(), start);
    synchronized (this) {
      process = running;
      startTime = start;
      if (killed) {
        ProcessTree.kill(running, command.marker(), command.ownSession(), start);
      }
    }
    CompletableFuture<Boolean> stderr;
    try {
      stderr = CompletableFuture.supplyAsync(
          () -> drain(running.getErrorStream(), stderrSink, "stderr"), readers);
    } catch (RejectedExecutionException e) {
      kill();
      return CommandOutcome.failure("the runtime is shutting down");
    }
    boolean stdout = drain(running.getInputStream(), stdoutSink, "stdout");
    int exitCode;
    try {
      exitCode = running.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      return CommandOutcome.failure("interrupted");
    }
    boolean err = stderr.join();
    if (overflow != null) {
      return CommandOutcome.failure(overflow);
    }
    if (!stdout || !err || isKilled()) {
      return CommandOutcome.failure("killed");
    }
    return new CommandOutcome(exitCode, null);
  }

  /** Kills the process tree, now if it runs, else as soon as it starts. Idempotent. */
  void kill() {
    Process target;
    long start;
    synchronized (this) {
      killed = true;
      target = process;
      start = startTime;
    }
    if (target != null) {
      ProcessTree.kill(target, command.marker(), command.ownSession(), start);
    }
  }

  private synchronized boolean isKilled() {
    return killed;
  }

  private Process start() throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command.argv())
        .directory(command.directory().toFile())
        .redirectInput(DEV_NULL);
    Map<String, String> env = builder.environment();
    env.clear();
    env.putAll(command.environment());
    env.put(ProcessTree.MARKER_VARIABLE, command.marker());
    return builder.start();
  }

  /**
   * Copies a stream to its end into {@code sink}; false when the output limit was exceeded, the
   * sink failed or reading failed.
   */
  private boolean drain(InputStream in, OutputSink sink, String stream) {
    byte[] chunk = CHUNKS.get();
    long total = 0;
    try (in) {
      int n;
      while ((n = in.read(chunk)) != -1) {
        total += n;
        if (total > command.maxOutputBytes()) {
          overflow = "output exceeded " + command.maxOutputBytes() + " bytes on " + stream;
          kill();
          return false;
        }
        try {
          sink.write(chunk, 0, n);
        } catch (IOException e) {
          overflow = "cannot keep the output of " + stream + ": " + e.getMessage();
          kill();
          return false;
        }
      }
    } catch (IOException e) {
      if (!isKilled()) {
        overflow = "reading " + stream + " failed: " + e.getMessage();
        kill();
      }
      return false;
    }
    return true;
  }

  private String describe(IOException e) {
    // The JDK reports "Cannot run program ...: error=2, No such file or directory"; the
    // reference runtime reports Python's "[Errno 2] No such file or directory: 'prog'".
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = ERRNO.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return "[Errno " + m.group(1) + "] " + m.group(2) + ": '" + command.program() + "'";
      }
    }
    return String.valueOf(e.getMessage());
  }
}
