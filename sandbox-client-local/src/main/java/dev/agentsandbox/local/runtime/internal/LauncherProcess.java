package dev.agentsandbox.local.runtime.internal;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JVM ({@link LauncherMain}) that starts commands on behalf of runtimes in this JVM.
 *
 * <p>A child process closes every descriptor it inherits before it executes its program, a few
 * microseconds each. A JVM hosting a whole local cluster holds hundreds (jars, sockets of watches
 * and servers), which makes every command slower and its tail much slower; the launcher holds
 * about a dozen. Commands, kills and outcomes travel over the launcher's stdin and stdout.
 *
 * <p>Thread-safe. One launcher serves any number of runtimes.
 */
public final class LauncherProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LauncherProcess.class);

  private final Process process;
  private final DataOutputStream toLauncher;
  private final Map<Long, RemoteCommand> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread reader;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private volatile String stopReason;

  private LauncherProcess(Process process) {
    this.process = process;
    this.toLauncher = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
    this.reader = new Thread(this::readOutcomes, "command-launcher-" + process.pid());
    this.reader.setDaemon(true);
  }

  /**
   * Starts a launcher JVM and waits until it is ready.
   *
   * @throws IOException if it cannot be started or does not report ready within {@code timeout}
   */
  public static LauncherProcess start(Duration timeout) throws IOException {
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
    LauncherProcess launcher = new LauncherProcess(process);
    launcher.reader.start();
    try {
      launcher.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      launcher.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the command launcher", e);
    } catch (ExecutionException | TimeoutException e) {
      launcher.close();
      throw new IOException("the command launcher did not start within " + timeout.toMillis()
          + " ms" + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""), e);
    }
    LOG.debug("Command launcher started, pid {}", process.pid());
    return launcher;
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
   * Sends a command to the launcher. Does not wait for it to start.
   *
   * @throws IllegalStateException if the launcher has stopped
   */
  RemoteCommand start(List<String> argv, String program, Path directory,
      Map<String, String> environment, String marker, long maxOutputBytes) {
    RemoteCommand command = new RemoteCommand(ids.incrementAndGet());
    pending.put(command.id, command);
    try {
      synchronized (toLauncher) {
        checkRunning();
        LauncherFrames.writeStart(toLauncher, new LauncherFrames.Start(command.id, argv, program,
            directory, environment, marker, maxOutputBytes));
        toLauncher.flush();
      }
    } catch (IOException | RuntimeException e) {
      pending.remove(command.id);
      throw new IllegalStateException("the command launcher has stopped: " + e.getMessage(), e);
    }
    return command;
  }

  private void checkRunning() {
    if (stopReason != null) {
      throw new IllegalStateException(stopReason);
    }
  }

  private void readOutcomes() {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream()))) {
      for (int type = in.read(); type != -1; type = in.read()) {
        if (type == LauncherFrames.HELLO) {
          ready.complete(null);
          continue;
        }
        if (type != LauncherFrames.OUTCOME) {
          throw new IOException("unknown frame type " + type);
        }
        long id = in.readLong();
        CommandOutcome outcome = LauncherFrames.readOutcome(in);
        RemoteCommand command = pending.remove(id);
        if (command != null) {
          command.outcome.complete(outcome);
        }
      }
      stop("the command launcher exited");
    } catch (IOException e) {
      stop("the command launcher failed: " + e.getMessage());
    }
  }

  private void stop(String reason) {
    stopReason = reason;
    ready.completeExceptionally(new IOException(reason));
    if (!closed.get()) {
      LOG.warn("{}; running commands fail", reason);
    }
    for (RemoteCommand command : pending.values()) {
      command.outcome.complete(CommandOutcome.failure(reason));
    }
    pending.clear();
  }

  /**
   * Stops the launcher: it kills the commands still running and exits. Blocks up to a few
   * seconds. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
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

  /** A command handed to the launcher. */
  final class RemoteCommand {
    private final long id;
    private final CompletableFuture<CommandOutcome> outcome = new CompletableFuture<>();

    private RemoteCommand(long id) {
      this.id = id;
    }

    /** Completes when the command's process is gone, on the launcher's reader thread. */
    CompletableFuture<CommandOutcome> outcome() {
      return outcome;
    }

    /** Asks the launcher to kill the command's process tree. Never throws. */
    void kill() {
      try {
        synchronized (toLauncher) {
          checkRunning();
          toLauncher.writeByte(LauncherFrames.KILL);
          toLauncher.writeLong(id);
          toLauncher.flush();
        }
      } catch (IOException | RuntimeException e) {
        // The launcher is gone, and its commands with it.
      }
    }
  }
}
