package dev.agentsandbox.runtime.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process started for a client that talks to it while it runs: its output is handed over as
 * it is read, its standard input stays open for writes, and it takes signals and, with a
 * pseudo-terminal, window sizes.
 *
 * <p>Backpressure: a reader thread hands a chunk to {@link Events#output} and reads on only
 * once that returns, so a consumer that blocks there stops the process at its next write to a
 * full pipe; nothing is buffered beyond the pipe and one chunk per stream.
 *
 * <p>With a pseudo-terminal the command runs under {@code script} from util-linux, which
 * allocates the terminal (inside the isolation, where the command can see it), sets its size
 * and copies its output to one stream; window changes are applied with {@code stty} to the
 * terminal the command holds. Input and window sizes wait until the command has taken the
 * terminal as its controlling terminal, as a container runtime starts the command on its terminal
 * before it copies input: an interrupt character typed earlier would signal nobody.
 *
 * <p>Thread-safe.
 */
final class LiveProcess {
  private static final Logger LOG = LoggerFactory.getLogger(LiveProcess.class);
  private static final int READ_CHUNK = 64 * 1024;
  private static final long HELPER_TIMEOUT_SECONDS = 10;
  /** How long input, window sizes and signals wait for the launchers to start the command. */
  private static final long SETUP_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** A stream of the process's output. */
  enum Stream {
    STDOUT, STDERR
  }

  /** The signals a client may send, with their Linux numbers. */
  enum Signal {
    INT(2), KILL(9), TERM(15);

    final int number;

    Signal(int number) {
      this.number = number;
    }
  }

  /** Where the process's events go, each from one of its reader threads. */
  interface Events {
    /**
     * A chunk of output, in the order the process wrote it to that stream. May block to hold
     * the process back; must not keep {@code chunk}, which is reused once this returns.
     */
    void output(Stream stream, byte[] chunk, int length) throws InterruptedException;

    /** The process exited and all its output was handed over; called once, last. */
    void exited(int exitCode);
  }

  /**
   * What to start.
   *
   * @param argv the argument vector to execute, isolation and session wrappers included
   * @param environment the whole environment of the process
   * @param directory the working directory
   * @param marker the value of {@link ProcessTree#MARKER_VARIABLE}, found again by a kill
   * @param ownSession whether {@code argv} starts a session of its own
   * @param pidNamespace whether {@code argv} starts the command in a pid namespace of its own
   *     (bubblewrap's), as a child of that namespace's init
   */
  record Launch(List<String> argv, Map<String, String> environment, Path directory, String marker,
      boolean ownSession, boolean pidNamespace) {
  }

  private final Process process;
  private final Launch launch;
  private final boolean terminal;
  private final long startTime;
  private final OutputStream stdin;
  private final ExecutorService threads;
  private final AtomicBoolean killed = new AtomicBoolean();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Object stdinLock = new Object();
  private CompletableFuture<Void> stdinTail = CompletableFuture.completedFuture(null);
  private boolean stdinClosed;
  private volatile boolean terminalTaken;
  private volatile boolean commandStarted;

  private LiveProcess(Process process, Launch launch, boolean terminal, ExecutorService threads) {
    this.process = process;
    this.launch = launch;
    this.terminal = terminal;
    this.threads = threads;
    this.startTime = launch.ownSession() ? ProcessTree.startTime(process.pid()) : -1;
    this.stdin = process.getOutputStream();
  }

  /**
   * Starts {@code launch} and its two reader threads on {@code threads}.
   *
   * @param terminal whether {@code launch} allocates a pseudo-terminal (so stderr is empty)
   * @throws IOException if the process cannot be started
   */
  static LiveProcess start(Launch launch, boolean terminal, ExecutorService threads, Events events)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(launch.argv()).directory(launch.directory().toFile());
    builder.environment().clear();
    builder.environment().putAll(launch.environment());
    builder.environment().put(ProcessTree.MARKER_VARIABLE, launch.marker());
    LiveProcess live = new LiveProcess(builder.start(), launch, terminal, threads);
    live.readAll(events);
    return live;
  }

  private void readAll(Events events) {
    CompletableFuture<Void> out = CompletableFuture.runAsync(
        () -> read(process.getInputStream(), Stream.STDOUT, events), threads);
    CompletableFuture<Void> err = CompletableFuture.runAsync(
        () -> read(process.getErrorStream(), Stream.STDERR, events), threads);
    CompletableFuture.allOf(out, err).whenCompleteAsync((ignored, failure) -> {
      int code;
      try {
        code = process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        code = 128 + Signal.KILL.number;
      }
      // Background children that still hold a pipe were cut off when the command exited.
      ProcessTree.sweep(launch.marker() + "\0", Map.of());
      exit.complete(code);
      events.exited(code);
    }, threads);
  }

  private void read(InputStream stream, Stream which, Events events) {
    byte[] chunk = new byte[READ_CHUNK];
    try (stream) {
      int n;
      while ((n = stream.read(chunk)) >= 0) {
        if (n > 0) {
          events.output(which, chunk, n);
        }
      }
    } catch (IOException e) {
      // The pipe was closed by a kill: the process is ending.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    } catch (RuntimeException e) {
      LOG.warn("Output of a live process could not be delivered; killing it: {}", e.toString());
      kill();
    }
  }

  /** Whether the process has a pseudo-terminal. */
  boolean terminal() {
    return terminal;
  }

  /** Completes with the exit code once the process exited and its output was handed over. */
  CompletableFuture<Integer> exit() {
    return exit;
  }

  /**
   * Writes {@code bytes} to the process's standard input, after earlier writes, on a thread of
   * the process's pool (a full pipe blocks only that thread).
   *
   * @return completes when written; fails with {@link IOException} if standard input was closed
   *     or the process no longer reads it
   */
  CompletableFuture<Void> writeStdin(byte[] bytes) {
    return stdin(() -> {
      stdin.write(bytes);
      stdin.flush();
    });
  }

  /** Closes standard input after earlier writes; closing it again does nothing. */
  CompletableFuture<Void> closeStdin() {
    synchronized (stdinLock) {
      if (stdinClosed) {
        return stdinTail.handle((ignored, failure) -> null);
      }
      CompletableFuture<Void> closed = stdin(stdin::close);
      stdinClosed = true;
      return closed;
    }
  }

  private interface StdinAction {
    void run() throws IOException;
  }

  private CompletableFuture<Void> stdin(StdinAction action) {
    synchronized (stdinLock) {
      if (stdinClosed) {
        return CompletableFuture.failedFuture(new IOException("standard input is closed"));
      }
      CompletableFuture<Void> next = stdinTail.handle((ignored, failure) -> null)
          .thenRunAsync(() -> {
            try {
              awaitTerminal();
              action.run();
            } catch (IOException e) {
              throw new CompletionException(
                  new IOException("the process does not read its standard input any more", e));
            }
          }, threads);
      stdinTail = next;
      return next;
    }
  }

  /**
   * Sends {@code signal} to the process and to everything it started: its session's process
   * group, and each descendant, which also reaches those in sessions of their own (the
   * isolation's and the terminal's). A kill also sweeps what escaped.
   */
  void signal(Signal signal) {
    if (signal == Signal.KILL) {
      kill();
      return;
    }
    awaitCommand();
    List<String> argv = new ArrayList<>(List.of("kill", "-s", signal.name(), "--"));
    if (launch.ownSession()) {
      argv.add("-" + process.pid());
    }
    argv.add(Long.toString(process.pid()));
    argv.addAll(process.descendants().map(p -> Long.toString(p.pid())).collect(Collectors.toList()));
    try {
      runHelper(argv);
    } catch (IOException e) {
      // Some of them ended meanwhile; kill(1) still signalled the others.
      LOG.debug("Signal {} to a live process: {}", signal, e.getMessage());
    }
  }

  /** Kills the process with everything it started. Idempotent; never throws. */
  void kill() {
    if (killed.compareAndSet(false, true) || process.isAlive()) {
      ProcessTree.kill(process, launch.marker(), launch.ownSession(), startTime);
    }
  }

  /**
   * Sets the window size of the process's terminal; the command's foreground job gets
   * {@code SIGWINCH}.
   *
   * @throws IllegalStateException if the process has no terminal
   * @throws IOException if the terminal is gone (the process exited) or cannot be changed
   */
  void resize(int cols, int rows) throws IOException {
    if (!terminal) {
      throw new IllegalStateException("the process has no terminal");
    }
    awaitTerminal();
    Path tty = terminalOf().orElseThrow(() -> new IOException("the process's terminal is gone"));
    runHelper(List.of("stty", "-F", tty.toString(), "cols", Integer.toString(cols), "rows",
        Integer.toString(rows)));
  }

  /**
   * Returns once a command started in a pid namespace of its own runs there (its namespace's init
   * has started it), the command exited, or {@link #SETUP_WAIT_NANOS} passed. Before, the
   * namespace's init may not yet have asked to die with its parent: a signal that ended the
   * launcher then would leave the command running, holding the output open.
   */
  private void awaitCommand() {
    if (!launch.pidNamespace() || commandStarted) {
      return;
    }
    awaitTree(() -> process.descendants().anyMatch(p -> ProcessTree.belowNamespaceInit(p.pid())));
    commandStarted = true;
  }

  /**
   * Reads {@code /proc} until {@code ready} holds, the process exited or
   * {@link #SETUP_WAIT_NANOS} passed: the kernel tells no one when a process starts another or
   * takes a terminal, so this polls, for the few milliseconds a launcher takes.
   */
  private void awaitTree(BooleanSupplier ready) {
    long deadline = System.nanoTime() + SETUP_WAIT_NANOS;
    while (process.isAlive() && System.nanoTime() - deadline < 0 && !ready.getAsBoolean()) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Returns once one of the command's processes leads a session with a controlling terminal (the
   * one {@code script} made; see {@link #awaitTree}).
   */
  private void awaitTerminal() {
    if (!terminal || terminalTaken) {
      return;
    }
    awaitTree(() -> process.descendants().anyMatch(p -> ProcessTree.leadsSessionWithTerminal(p.pid())));
    terminalTaken = true; // waited once: later input goes on at once
  }

  /** The terminal as one of the command's processes holds it: {@code /proc/<pid>/fd/0}. */
  private Optional<Path> terminalOf() {
    return process.descendants()
        .map(p -> Path.of("/proc", Long.toString(p.pid()), "fd", "0"))
        .filter(fd -> {
          try {
            return Files.readSymbolicLink(fd).toString().startsWith("/dev/pts/");
          } catch (IOException | UnsupportedOperationException e) {
            return false;
          }
        })
        .findFirst();
  }

  private static void runHelper(List<String> argv) throws IOException {
    Process helper = new ProcessBuilder(argv).redirectErrorStream(true).start();
    try (InputStream output = helper.getInputStream()) {
      byte[] message = output.readNBytes(4096);
      if (!helper.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        helper.destroyForcibly();
        throw new IOException(argv.get(0) + " did not finish");
      }
      if (helper.exitValue() != 0) {
        throw new IOException(argv.get(0) + " failed: " + new String(message).strip());
      }
    } catch (InterruptedException e) {
      helper.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
