package dev.agentsandbox.local.runtime.internal;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command as an operating-system process: started without a shell, stdin from
 * {@code /dev/null}, stdout and stderr collected up to a limit, killed with everything it started.
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

  private final List<String> argv;
  private final String program;
  private final Path directory;
  private final Map<String, String> environment;
  private final String marker;
  private final long maxOutputBytes;
  private Process process;
  private boolean killed;
  private volatile String overflow;

  /**
   * @param argv the program and its arguments, as executed
   * @param program the program the user asked for, named in errors (argv may wrap it)
   * @param marker unique value of {@link ProcessTree#MARKER_VARIABLE}, added to the environment
   */
  CommandProcess(List<String> argv, String program, Path directory, Map<String, String> environment,
      String marker, long maxOutputBytes) {
    this.argv = argv;
    this.program = program;
    this.directory = directory;
    this.environment = environment;
    this.marker = marker;
    this.maxOutputBytes = maxOutputBytes;
  }

  /**
   * Starts the process and blocks until it exited and its output was read. Reads stderr on a
   * thread of {@code readers}. A failure to start, output over the limit and a kill give a failed
   * outcome; the reason of a kill is the caller's, so it reads "killed".
   */
  CommandOutcome run(Executor readers) {
    Process started;
    try {
      started = start();
    } catch (IOException e) {
      return CommandOutcome.failure(describe(e));
    }
    synchronized (this) {
      process = started;
      if (killed) {
        ProcessTree.kill(started, marker);
      }
    }
    CompletableFuture<byte[]> stderr;
    try {
      stderr = CompletableFuture.supplyAsync(() -> drain(started.getErrorStream(), "stderr"), readers);
    } catch (RejectedExecutionException e) {
      kill();
      return CommandOutcome.failure("the runtime is shutting down");
    }
    byte[] stdout = drain(started.getInputStream(), "stdout");
    int exitCode;
    try {
      exitCode = started.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      return CommandOutcome.failure("interrupted");
    }
    byte[] err = stderr.join();
    if (overflow != null) {
      return CommandOutcome.failure(overflow);
    }
    if (stdout == null || err == null || isKilled()) {
      return CommandOutcome.failure("killed");
    }
    return new CommandOutcome(stdout, err, exitCode, null);
  }

  /** Kills the process tree, now if it runs, else as soon as it starts. Idempotent. */
  void kill() {
    Process target;
    synchronized (this) {
      killed = true;
      target = process;
    }
    if (target != null) {
      ProcessTree.kill(target, marker);
    }
  }

  private synchronized boolean isKilled() {
    return killed;
  }

  private Process start() throws IOException {
    ProcessBuilder builder = new ProcessBuilder(argv)
        .directory(directory.toFile())
        .redirectInput(DEV_NULL);
    Map<String, String> env = builder.environment();
    env.clear();
    env.putAll(environment);
    env.put(ProcessTree.MARKER_VARIABLE, marker);
    return builder.start();
  }

  /** Reads a stream to its end; returns null when the output limit was exceeded or it failed. */
  private byte[] drain(InputStream in, String stream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    byte[] chunk = CHUNKS.get();
    try (in) {
      int n;
      while ((n = in.read(chunk)) != -1) {
        if (out.size() + (long) n > maxOutputBytes) {
          overflow = "output exceeded " + maxOutputBytes + " bytes on " + stream;
          kill();
          return null;
        }
        out.write(chunk, 0, n);
      }
    } catch (IOException e) {
      if (!isKilled()) {
        overflow = "reading " + stream + " failed: " + e.getMessage();
        kill();
      }
      return null;
    }
    return out.toByteArray();
  }

  private String describe(IOException e) {
    // The JDK reports "Cannot run program ...: error=2, No such file or directory"; the
    // reference runtime reports Python's "[Errno 2] No such file or directory: 'prog'".
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = ERRNO.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return "[Errno " + m.group(1) + "] " + m.group(2) + ": '" + program + "'";
      }
    }
    return String.valueOf(e.getMessage());
  }
}
