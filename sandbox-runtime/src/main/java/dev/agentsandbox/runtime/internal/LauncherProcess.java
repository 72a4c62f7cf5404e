package dev.agentsandbox.runtime.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JVM ({@link LauncherMain}) that starts commands on behalf of runtimes in this JVM, and
 * is started again when it dies.
 *
 * <p>A child process closes every descriptor it inherits before it executes its program, a few
 * microseconds each. A JVM hosting a whole local cluster holds hundreds (jars, sockets of watches
 * and servers), which makes every command slower and its tail much slower; the launcher holds
 * about a dozen. Commands, kills, output and outcomes travel over the launcher's stdin and
 * stdout.
 *
 * <p>If the launcher process dies (killed, crashed), the commands it ran are killed and fail, and
 * a new launcher is started at once; should that one die young as well, the next start waits,
 * doubling from {@link #FIRST_BACKOFF} up to {@link #MAX_BACKOFF}. Commands sent while a start is
 * under way wait for it; commands sent while waiting for the next attempt fail at once.
 *
 * <p>Thread-safe. One launcher serves any number of runtimes.
 */
public final class LauncherProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LauncherProcess.class);
  static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** A launcher that lived this long resets the backoff. */
  private static final Duration STABLE_AFTER = Duration.ofMinutes(1);

  private final Duration startTimeout;
  private final AtomicLong ids = new AtomicLong();
  private final Object lock = new Object();
  /** The launcher commands go to; null while none runs. Guarded by {@link #lock}. */
  private Incarnation current;
  /** Commands waiting for a start under way; null when none is. Guarded by {@link #lock}. */
  private List<RemoteCommand> waiting;
  /** Why commands fail while no launcher runs and none is starting. */
  private String unavailable;
  private int youngDeaths;
  private boolean closed;
  private final AtomicLong restarts = new AtomicLong();

  private LauncherProcess(Duration startTimeout) {
    this.startTimeout = startTimeout;
  }

  /**
   * Starts a launcher JVM and waits until it is ready.
   *
   * @throws IOException if it cannot be started or does not report ready within {@code timeout}
   */
  public static LauncherProcess start(Duration timeout) throws IOException {
    LauncherProcess launcher = new LauncherProcess(timeout);
    launcher.current = launcher.spawn();
    return launcher;
  }

  /** The pid of the launcher process now running, or -1 while none runs. */
  public long pid() {
    synchronized (lock) {
      return current == null ? -1 : current.process.pid();
    }
  }

  /** How many times the launcher was started again after it died. */
  public long restarts() {
    return restarts.get();
  }

  private Incarnation spawn() throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A launcher only starts processes: a small heap, the simplest collector, no C2 compiler,
    // no perf-data file.
    command.addAll(List.of("-Xms8m", "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData", "-Xshare:auto"));
    if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      command.add("-D" + ProcessLaunch.LAUNCH_MECHANISM + "=VFORK");
    }
    command.addAll(List.of("-cp", ownLocation(), LauncherMain.class.getName()));
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    Incarnation incarnation = new Incarnation(process);
    incarnation.reader.start();
    try {
      incarnation.ready.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      incarnation.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the command launcher", e);
    } catch (ExecutionException | TimeoutException e) {
      incarnation.close();
      throw new IOException("the command launcher did not start within " + startTimeout.toMillis()
          + " ms" + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""), e);
    }
    LOG.debug("Command launcher started, pid {}", process.pid());
    return incarnation;
  }

  /** The class path entry holding this package: a jar or a classes directory. */
  private static String ownLocation() throws IOException {
    try {
      return Path.of(LauncherMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException | RuntimeException e) {
      throw new IOException("cannot locate the classes of the command launcher", e);
    }
  }

  /**
   * Sends a command to the launcher, its output to go to the spools. Does not wait for it to
   * start; never blocks for long.
   *
   * @throws IllegalStateException if the launcher is closed or waits to be started again
   */
  RemoteCommand start(LauncherFrames.Start template, OutputSpool stdout, OutputSpool stderr) {
    RemoteCommand command = new RemoteCommand(template.withId(ids.incrementAndGet()), stdout,
        stderr);
    Incarnation target;
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the command launcher is closed");
      }
      if (current == null) {
        if (waiting == null) {
          throw new IllegalStateException(unavailable);
        }
        waiting.add(command);
        return command;
      }
      target = current;
    }
    target.send(command);
    return command;
  }

  /** Called by an incarnation's reader when its process is gone and it was not closed. */
  private void died(Incarnation dead, String reason) {
    synchronized (lock) {
      if (current != dead || closed) {
        return;
      }
      current = null;
    }
    LOG.warn("{}; its commands were killed", reason);
    scheduleStart(reason, dead.startedAt);
  }

  /** Starts a launcher on another thread, at once or after a backoff if the last died young. */
  private void scheduleStart(String reason, long lastStartedAt) {
    long delayMillis;
    synchronized (lock) {
      if (closed) {
        return;
      }
      boolean young = System.nanoTime() - lastStartedAt < STABLE_AFTER.toNanos();
      youngDeaths = young ? youngDeaths + 1 : 0;
      delayMillis = youngDeaths <= 1 ? 0 : Math.min(MAX_BACKOFF.toMillis(),
          FIRST_BACKOFF.toMillis() << Math.min(16, youngDeaths - 2));
      // Commands wait for a start under way, but fail at once during a backoff.
      waiting = delayMillis == 0 ? new ArrayList<>() : null;
      unavailable = reason + "; the command launcher is started again in " + delayMillis + " ms";
    }
    LOG.info("Starting the command launcher again{}", delayMillis == 0 ? "" : " in " + delayMillis
        + " ms");
    Thread starter = new Thread(() -> restart(delayMillis), "command-launcher-restart");
    starter.setDaemon(true);
    starter.start();
  }

  private void restart(long delayMillis) {
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        return;
      }
      synchronized (lock) {
        if (closed) {
          return;
        }
        waiting = new ArrayList<>();
      }
    }
    long attemptedAt = System.nanoTime();
    Incarnation started = null;
    String failure = null;
    try {
      started = spawn();
    } catch (IOException e) {
      failure = "the command launcher could not be started again: " + e.getMessage();
    }
    List<RemoteCommand> queued;
    boolean adopted = false;
    synchronized (lock) {
      queued = waiting;
      waiting = null;
      if (started != null && !closed) {
        current = started;
        adopted = true;
        restarts.incrementAndGet();
      }
    }
    if (adopted) {
      LOG.info("Command launcher started again, pid {}", started.process.pid());
      for (RemoteCommand command : queued) {
        started.send(command);
      }
      return;
    }
    if (started != null) {
      started.close(); // closed meanwhile
      failure = "the command launcher is closed";
    }
    if (queued != null) {
      for (RemoteCommand command : queued) {
        command.fail(failure);
      }
    }
    LOG.warn("{}", failure);
    scheduleStart(failure, attemptedAt);
  }

  /**
   * Stops the launcher: it kills the commands still running and exits. Blocks up to a few
   * seconds. Idempotent.
   */
  @Override
  public void close() {
    Incarnation last;
    List<RemoteCommand> queued;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      last = current;
      current = null;
      queued = waiting;
      waiting = null;
    }
    if (queued != null) {
      queued.forEach(c -> c.fail("the command launcher is closed"));
    }
    if (last != null) {
      last.close();
    }
  }

  /** One launcher process and the commands sent to it. */
  private final class Incarnation {
    final Process process;
    final DataOutputStream toLauncher;
    final Map<Long, RemoteCommand> pending = new ConcurrentHashMap<>();
    final Thread reader;
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final long startedAt = System.nanoTime();
    volatile String stopReason;
    volatile boolean closing;

    Incarnation(Process process) {
      this.process = process;
      this.toLauncher = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
      this.reader = new Thread(this::readFrames, "command-launcher-" + process.pid());
      reader.setDaemon(true);
    }

    void send(RemoteCommand command) {
      command.incarnation = this;
      pending.put(command.start.id(), command);
      try {
        synchronized (toLauncher) {
          if (stopReason != null) {
            throw new IOException(stopReason);
          }
          LauncherFrames.writeStart(toLauncher, command.start);
          toLauncher.flush();
        }
      } catch (IOException | RuntimeException e) {
        // The reader fails whatever is pending when it sees the launcher gone.
        if (pending.remove(command.start.id()) != null) {
          command.fail("the command launcher has stopped: " + e.getMessage());
        }
        return;
      }
      if (command.killRequested) {
        kill(command);
      }
    }

    void kill(RemoteCommand command) {
      try {
        synchronized (toLauncher) {
          if (stopReason != null) {
            return;
          }
          toLauncher.writeByte(LauncherFrames.KILL);
          toLauncher.writeLong(command.start.id());
          toLauncher.flush();
        }
      } catch (IOException e) {
        // The launcher is gone; the reader kills what it ran.
      }
    }

    private void readFrames() {
      String reason;
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(),
          64 * 1024))) {
        for (int type = in.read(); type != -1; type = in.read()) {
          if (type == LauncherFrames.HELLO) {
            ready.complete(null);
            continue;
          }
          long id = in.readLong();
          RemoteCommand command = pending.get(id);
          if (type == LauncherFrames.STARTED) {
            long pid = in.readLong();
            long startTime = in.readLong();
            if (command != null) {
              command.startTime = startTime;
              command.pid = pid;
            }
          } else if (type == LauncherFrames.OUTPUT) {
            int stream = in.readUnsignedByte();
            byte[] chunk = LauncherFrames.readBytes(in);
            if (command != null) {
              command.append(stream, chunk);
            }
          } else if (type == LauncherFrames.OUTCOME) {
            CommandOutcome outcome = LauncherFrames.readOutcome(in);
            if (!outcome.failed()) {
              byte[] stdout = LauncherFrames.readBytes(in);
              byte[] stderr = LauncherFrames.readBytes(in);
              if (command != null) {
                command.append(LauncherFrames.STDOUT, stdout);
                command.append(LauncherFrames.STDERR, stderr);
              }
            }
            if (pending.remove(id) != null) {
              command.finish(outcome);
            }
          } else {
            throw new IOException("unknown frame type " + type);
          }
        }
        reason = "the command launcher (pid " + process.pid() + ") exited"
            + exitStatus();
      } catch (IOException e) {
        reason = "the command launcher (pid " + process.pid() + ") failed: " + e.getMessage();
        process.destroyForcibly();
      }
      stop(reason);
    }

    private String exitStatus() {
      try {
        if (process.waitFor(1, TimeUnit.SECONDS)) {
          return " with status " + process.exitValue();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "";
    }

    private void stop(String reason) {
      synchronized (toLauncher) {
        stopReason = reason;
      }
      ready.completeExceptionally(new IOException(reason));
      // Its commands lost their launcher but may still run, re-parented: kill what is left.
      for (RemoteCommand command : pending.values()) {
        command.killLeftovers();
      }
      String failure = closing ? "the command launcher is closed" : reason;
      for (RemoteCommand command : List.copyOf(pending.values())) {
        if (pending.remove(command.start.id()) != null) {
          command.fail(failure);
        }
      }
      if (!closing) {
        died(this, reason);
      }
    }

    void close() {
      closing = true;
      try {
        synchronized (toLauncher) {
          toLauncher.close();
        }
      } catch (IOException e) {
        // Already gone.
      }
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A command handed to the launcher. */
  final class RemoteCommand {
    private final LauncherFrames.Start start;
    private final OutputSpool stdout;
    private final OutputSpool stderr;
    private final CompletableFuture<CommandOutcome> outcome = new CompletableFuture<>();
    private volatile Incarnation incarnation;
    private volatile long pid = -1;
    private volatile long startTime = -1;
    private volatile boolean killRequested;
    private String storeFailure;

    private RemoteCommand(LauncherFrames.Start start, OutputSpool stdout, OutputSpool stderr) {
      this.start = start;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    /**
     * Completes when the command's process is gone (or never started), on a launcher reader
     * thread or the caller's.
     */
    CompletableFuture<CommandOutcome> outcome() {
      return outcome;
    }

    /** The pid of the command's process, or -1 if unknown. */
    long pid() {
      return pid;
    }

    /** The start time of the command's process (see {@link ProcessTree#startTime}), or -1. */
    long startTime() {
      return startTime;
    }

    /** Asks the launcher to kill the command's process tree. Never throws. */
    void kill() {
      killRequested = true;
      Incarnation target = incarnation;
      if (target != null) {
        target.kill(this);
        return;
      }
      boolean removed;
      synchronized (lock) {
        removed = waiting != null && waiting.remove(this);
      }
      if (removed) {
        fail("killed");
      }
    }

    private void append(int stream, byte[] chunk) {
      if (storeFailure != null) {
        return;
      }
      try {
        (stream == LauncherFrames.STDERR ? stderr : stdout).write(chunk, 0, chunk.length);
      } catch (IOException e) {
        storeFailure = "cannot keep the output of " + (stream == LauncherFrames.STDERR
            ? "stderr" : "stdout") + ": " + e.getMessage();
        kill();
      }
    }

    private void finish(CommandOutcome ended) {
      outcome.complete(storeFailure == null ? ended : CommandOutcome.failure(storeFailure));
    }

    private void fail(String reason) {
      outcome.complete(CommandOutcome.failure(reason));
    }

    private void killLeftovers() {
      long leader = pid;
      ProcessTree.sweep(start.marker() + "\0",
          start.ownSession() && leader > 0 ? Map.of(leader, startTime) : Map.of());
    }
  }
}
