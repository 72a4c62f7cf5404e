package dev.agentsandbox.runtime.internal;

import dev.agentsandbox.client.internal.ShellQuoting;
import dev.agentsandbox.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The live processes of one runtime: started with {@link #start}, found by id while they run,
 * all killed on {@link #close}. At most {@link #MAX_PROCESSES} run at once.
 *
 * <p>A process runs like a command of the legacy API: the isolation wraps it, it leads a session
 * of its own, and its environment is the runtime's plus what the client adds.
 */
public final class LiveProcesses implements AutoCloseable {
  /** How many live processes one runtime runs at once. */
  public static final int MAX_PROCESSES = 256;
  private static final String MARKER_PREFIX = "live-";

  /** Why a request about a process was refused; each maps to one gRPC status. */
  public enum Refusal {
    INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION, RESOURCE_EXHAUSTED,
    DEADLINE_EXCEEDED, INTERNAL
  }

  /** A refused request: what the client did wrong, said to the client. */
  public static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Refusal refusal;

    RefusedException(Refusal refusal, String message) {
      super(message);
      this.refusal = refusal;
    }

    public Refusal refusal() {
      return refusal;
    }
  }

  /** A pseudo-terminal's size. */
  public record TerminalSize(int cols, int rows) {
  }

  /** What a client asked to run. */
  public record Request(List<String> command, Map<String, String> environment, @Nullable String cwd,
      @Nullable TerminalSize terminal) {
  }

  /** A started process and the id clients name it by. */
  public record Started(int id, LiveProcess process) {
  }

  private final RuntimeOptions options;
  private final ConfinedPaths paths;
  private final ExecutorService threads;
  private final Map<Integer, LiveProcess> running = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private final AtomicInteger slots = new AtomicInteger();
  private volatile boolean closed;

  /** Live processes run in {@code paths}' base directory; threads named after {@code name}. */
  public LiveProcesses(RuntimeOptions options, ConfinedPaths paths, String name) {
    this.options = options;
    this.paths = paths;
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory = runnable -> {
      Thread thread = new Thread(runnable, name + "-process-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
    this.threads = Executors.newCachedThreadPool(factory);
  }

  /**
   * Starts {@code request}; {@code events} may be called before this returns. Blocks while the
   * process is started (a few milliseconds); call it off the event loop.
   */
  public Started start(Request request, LiveProcess.Events events) throws RefusedException {
    List<String> command = validCommand(request.command());
    Map<String, String> environment = new LinkedHashMap<>(options.environment());
    environment.putAll(validEnvironment(request.environment()));
    Path directory = directory(request.cwd());
    checkExecutable(command.get(0), environment, directory);
    TerminalSize terminal = request.terminal();
    if (terminal != null && (terminal.cols() <= 0 || terminal.rows() <= 0
        || terminal.cols() > 0xffff || terminal.rows() > 0xffff)) {
      throw new RefusedException(Refusal.INVALID_ARGUMENT,
          "terminal size must be 1 to 65535 columns and rows, got " + terminal.cols() + "x" + terminal.rows());
    }
    if (closed) {
      throw new RefusedException(Refusal.FAILED_PRECONDITION, "the runtime is shutting down");
    }
    if (slots.incrementAndGet() > MAX_PROCESSES) {
      slots.decrementAndGet();
      throw new RefusedException(Refusal.RESOURCE_EXHAUSTED,
          "too many live processes: " + MAX_PROCESSES + " are running in this sandbox");
    }
    int id = nextId.getAndIncrement();
    List<String> argv = terminal == null ? command : inTerminal(command, terminal);
    if (!directory.equals(paths.base())) {
      List<String> moved = new ArrayList<>(List.of("env", "-C", directory.toString(), "--"));
      moved.addAll(argv);
      argv = moved;
    }
    argv = options.isolation().wrap(argv, paths.base());
    boolean ownSession = ProcessTree.sessionsAvailable();
    if (ownSession) {
      argv = ProcessTree.inNewSession(argv);
    }
    argv = SignalDefaults.wrap(argv);
    LiveProcess.Launch launch = new LiveProcess.Launch(argv, environment, paths.base(),
        MARKER_PREFIX + UUID.randomUUID(), ownSession, options.isolation() instanceof BubblewrapIsolation);
    LiveProcess.Events tracked = new LiveProcess.Events() {
      @Override
      public void output(LiveProcess.Stream stream, byte[] chunk, int length) throws InterruptedException {
        events.output(stream, chunk, length);
      }

      @Override
      public void exited(int exitCode) {
        running.remove(id);
        slots.decrementAndGet();
        events.exited(exitCode);
      }
    };
    LiveProcess process;
    try {
      process = LiveProcess.start(launch, terminal != null, threads, tracked);
    } catch (IOException e) {
      slots.decrementAndGet();
      throw new RefusedException(Refusal.INVALID_ARGUMENT,
          "cannot start " + command.get(0) + ": " + e.getMessage());
    }
    running.put(id, process);
    if (process.exit().isDone()) {
      running.remove(id);
    }
    if (closed) {
      process.kill();
    }
    return new Started(id, process);
  }

  /** The running process with {@code id}. */
  public LiveProcess find(int id) throws RefusedException {
    return Optional.ofNullable(running.get(id)).orElseThrow(() -> new RefusedException(
        Refusal.NOT_FOUND, "no running process has id " + id));
  }

  /** How many live processes run now. */
  public int runningCount() {
    return running.size();
  }

  /** Kills every live process with what it started. Idempotent. */
  @Override
  public void close() {
    closed = true;
    running.values().forEach(LiveProcess::kill);
    threads.shutdown();
  }

  private static List<String> validCommand(List<String> command) throws RefusedException {
    if (command.isEmpty() || command.get(0).isEmpty()) {
      throw new RefusedException(Refusal.INVALID_ARGUMENT, "command is required");
    }
    for (String word : command) {
      if (word.indexOf('\0') >= 0) {
        throw new RefusedException(Refusal.INVALID_ARGUMENT, "command contains a NUL character");
      }
    }
    return List.copyOf(command);
  }

  private static Map<String, String> validEnvironment(Map<String, String> environment)
      throws RefusedException {
    for (Map.Entry<String, String> variable : environment.entrySet()) {
      String name = variable.getKey();
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0
          || variable.getValue().indexOf('\0') >= 0) {
        throw new RefusedException(Refusal.INVALID_ARGUMENT,
            "invalid environment variable name or value: " + describe(name));
      }
      if (name.equals(ProcessTree.MARKER_VARIABLE)) {
        throw new RefusedException(Refusal.INVALID_ARGUMENT, name + " is reserved by the runtime");
      }
    }
    return environment;
  }

  private static String describe(String name) {
    String printable = name.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 64 ? printable.substring(0, 64) + "..." : printable;
  }

  /**
   * The working directory: the base directory when not given, else {@code cwd} resolved inside
   * it (relative to it, or absolute under it), links followed only within it.
   */
  private Path directory(@Nullable String cwd) throws RefusedException {
    if (cwd == null || cwd.isEmpty()) {
      return paths.base();
    }
    String relative = cwd;
    if (cwd.startsWith("/")) {
      Path absolute = Path.of(cwd).normalize();
      // Under the root as the command sees it; any other absolute path is taken from the root.
      relative = absolute.startsWith(paths.base()) ? paths.base().relativize(absolute).toString() : cwd;
    }
    try (ConfinedPaths.Location location = paths.locate(relative)) {
      if (!location.exists()) {
        throw new RefusedException(Refusal.NOT_FOUND, "cwd: " + cwd + " does not exist");
      }
      if (!location.isDirectory()) {
        throw new RefusedException(Refusal.INVALID_ARGUMENT, "cwd: " + cwd + " is not a directory");
      }
      String resolved = location.relativePath();
      return resolved.isEmpty() ? paths.base() : paths.base().resolve(resolved);
    } catch (AccessDeniedException e) {
      throw new RefusedException(Refusal.PERMISSION_DENIED,
          "cwd: " + cwd + " leads outside the sandbox root");
    } catch (IOException e) {
      throw new RefusedException(Refusal.INVALID_ARGUMENT, "cwd: " + cwd + " cannot be used: " + e.getMessage());
    }
  }

  /**
   * Checks that {@code program} names an executable file, as the process will look it up: on
   * {@code PATH} if it has no slash, else relative to {@code directory}.
   */
  private static void checkExecutable(String program, Map<String, String> environment, Path directory)
      throws RefusedException {
    List<Path> candidates = new ArrayList<>();
    if (program.indexOf('/') >= 0) {
      candidates.add(directory.resolve(program));
    } else {
      for (String entry : environment.getOrDefault("PATH", "").split(":")) {
        if (!entry.isEmpty()) {
          candidates.add(Path.of(entry, program));
        }
      }
    }
    boolean found = false;
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        if (Files.isExecutable(candidate)) {
          return;
        }
        found = true;
      }
    }
    if (found) {
      throw new RefusedException(Refusal.PERMISSION_DENIED, "failed to start command: " + program
          + " is not executable");
    }
    throw new RefusedException(Refusal.NOT_FOUND, "failed to start command: command or path not found: "
        + program);
  }

  /**
   * {@code command} run on a new pseudo-terminal of {@code size} by util-linux {@code script},
   * which returns the command's exit status and copies the terminal's output to its stdout.
   */
  private static List<String> inTerminal(List<String> command, TerminalSize size) {
    String line = "stty cols " + size.cols() + " rows " + size.rows() + " 2>/dev/null; exec "
        + ShellQuoting.quote(command);
    return List.of("script", "--quiet", "--return", "--flush", "--command", line, "/dev/null");
  }
}
