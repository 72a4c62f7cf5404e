package dev.agentsandbox.mcp.internal;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.client.WarmPool;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the seven sandbox tools do, apart from the MCP wire: arguments in, a result map (the
 * tool's structured content) out, a {@link ToolFailure} with a clear message otherwise. The
 * names, arguments, defaults and result keys are those of the reference's MCP server.
 *
 * <p>Every sandbox belongs to the MCP session that created it: the claim carries the session's
 * id in a label, and the other tools reach only the sandboxes of the calling session, as the
 * reference's do. Sandboxes are deleted when their session ends and when the server stops.
 */
public final class SandboxTools implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxTools.class);

  /** Default and largest {@code timeout} of the tools that take one, in seconds. */
  public static final long DEFAULT_TIMEOUT_SECONDS = 60;
  public static final long MAX_TIMEOUT_SECONDS = 600;
  public static final long DEFAULT_READY_TIMEOUT_SECONDS = 180;
  public static final long DEFAULT_SHUTDOWN_AFTER_SECONDS = 300;
  public static final long DEFAULT_MAX_ENTRIES = 1000;
  public static final long MAX_ENTRIES_LIMIT = 10_000;
  /** The label that ties a claim to the MCP session that created it, as the reference's. */
  public static final String DEFAULT_SESSION_LABEL_KEY = "mcp.k8s-agent-sandbox/session-id";
  /** The most output a streamed command keeps for its result, per stream. */
  static final int MAX_STREAMED_OUTPUT_CHARS = 16 << 20;
  /** Follows a streamed command's last line; lines start with 'o' or 'e', this never does. */
  private static final String END_OF_OUTPUT = "-";

  private final SandboxFleet fleet;
  private final String sessionLabelKey;
  private final Map<SandboxKey, Sandbox> sandboxes = new ConcurrentHashMap<>();
  private final ExecutorService calls;
  private volatile boolean closed;

  public SandboxTools(SandboxFleet fleet, String sessionLabelKey) {
    this.fleet = Objects.requireNonNull(fleet, "fleet");
    this.sessionLabelKey = Objects.requireNonNull(sessionLabelKey, "sessionLabelKey");
    AtomicInteger count = new AtomicInteger();
    this.calls = Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "sandbox-mcp-call-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** The namespace used when a call names none. */
  public String defaultNamespace() {
    return fleet.namespace();
  }

  /** {@code create_sandbox}: a ready sandbox from a warm pool or a template. */
  public Map<String, Object> createSandbox(String session, ToolArguments args) {
    String namespace = namespaceOf(args);
    SandboxOptions.Builder options = SandboxOptions.builder();
    String warmPool = args.optionalString("warmpool").filter(s -> !s.isBlank()).orElse(null);
    String template = args.optionalString("template").filter(s -> !s.isBlank()).orElse(null);
    if (warmPool == null && template == null) {
      throw new ToolFailure("Give 'warmpool', the name of a SandboxWarmPool, or 'template', "
          + "the name of a SandboxTemplate.");
    }
    long readySeconds = args.integer("sandbox_ready_timeout", DEFAULT_READY_TIMEOUT_SECONDS, 1,
        TimeUnit.DAYS.toSeconds(1), false).orElseThrow();
    Long shutdownAfter = args.integer("shutdown_after_seconds", DEFAULT_SHUTDOWN_AFTER_SECONDS, 1,
        Long.MAX_VALUE / 1_000_000_000L, true).orElse(null);
    Map<String, String> labels = new LinkedHashMap<>(args.stringMap("labels"));
    labels.put(sessionLabelKey, session);
    try {
      options.namespace(namespace);
      if (warmPool != null) {
        options.warmPool(WarmPool.named(warmPool));
      }
      if (template != null) {
        options.templateName(template);
      }
      options.labels(labels)
          .podLabels(args.stringMap("pod_labels"))
          .podAnnotations(args.stringMap("pod_annotations"))
          .readyTimeout(Duration.ofSeconds(readySeconds));
      if (shutdownAfter != null) {
        options.ttl(Duration.ofSeconds(shutdownAfter));
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ToolFailure(e.getMessage());
    }
    requireOpen();
    Sandbox sandbox;
    try {
      sandbox = fleet.create(options.build());
    } catch (SandboxException | IllegalArgumentException | IllegalStateException e) {
      throw new ToolFailure("Failed to create sandbox: " + e.getMessage(), e);
    }
    sandboxes.put(new SandboxKey(session, namespace, sandbox.claimName()), sandbox);
    if (closed) {
      terminate(sandbox);
      throw new ToolFailure("The server is shutting down.");
    }
    return Map.of("sandbox_claim_name", sandbox.claimName());
  }

  /** {@code delete_sandbox}: deletes the claim; the sandbox, its pod and service go with it. */
  public void deleteSandbox(String session, ToolArguments args) {
    SandboxKey key = keyOf(session, args);
    Sandbox sandbox = owned(key);
    try {
      sandbox.terminate();
    } catch (SandboxException e) {
      throw new ToolFailure("Failed to delete sandbox: " + e.getMessage(), e);
    } finally {
      sandboxes.remove(key);
    }
  }

  /**
   * {@code execute_command}: runs a shell command. With {@code progress}, the command runs as a
   * live process and each line of its output is handed to {@code progress} as it arrives, on
   * the calling thread; without, or where the sandbox cannot run live processes, it runs to its
   * end first.
   */
  public Map<String, Object> executeCommand(String session, ToolArguments args,
      @Nullable Consumer<String> progress) {
    Sandbox sandbox = owned(keyOf(session, args));
    String command = args.requiredString("command");
    Duration timeout = timeoutOf(args);
    ExecutionResult result;
    try {
      result = progress == null ? sandbox.commands().run(command, timeout)
          : streamed(sandbox, command, timeout, progress);
    } catch (SandboxException | IllegalArgumentException e) {
      throw new ToolFailure("Failed to execute command in sandbox: " + e.getMessage(), e);
    }
    if (result.timedOut()) {
      throw new ToolFailure("Failed to execute command in sandbox: it did not finish within "
          + timeout.toSeconds() + " s and was stopped.");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("exit_code", result.exitCode());
    out.put("stdout", result.stdout());
    out.put("stderr", result.stderr());
    return out;
  }

  /** {@code upload_file}: writes text, or base64-decoded bytes with {@code binary}. */
  public Map<String, Object> uploadFile(String session, ToolArguments args) {
    Sandbox sandbox = owned(keyOf(session, args));
    String path = args.requiredString("path");
    String content = args.optionalString("content")
        .orElseThrow(() -> new ToolFailure("Argument 'content' is required and must be a string."));
    byte[] bytes;
    if (args.bool("binary", false)) {
      try {
        bytes = Base64.getMimeDecoder().decode(content);
      } catch (IllegalArgumentException e) {
        throw new ToolFailure("Failed to decode or encode content: " + e.getMessage());
      }
    } else {
      bytes = content.getBytes(StandardCharsets.UTF_8);
    }
    bounded(timeoutOf(args), "write file to sandbox", () -> {
      sandbox.files().write(path, bytes);
      return null;
    });
    return Map.of("bytes_written", bytes.length);
  }

  /** {@code download_file}: the file as UTF-8 text, or base64 with {@code binary}. */
  public Map<String, Object> downloadFile(String session, ToolArguments args) {
    Sandbox sandbox = owned(keyOf(session, args));
    String path = args.requiredString("path");
    boolean binary = args.bool("binary", false);
    byte[] bytes = bounded(timeoutOf(args), "read file from sandbox",
        () -> sandbox.files().read(path));
    String content;
    if (binary) {
      content = Base64.getEncoder().encodeToString(bytes);
    } else {
      try {
        content = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        throw new ToolFailure("File at '" + path + "' contains non-UTF-8 bytes. Set binary=True "
            + "to retrieve it as base64.");
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("content", content);
    out.put("bytes_read", bytes.length);
    return out;
  }

  /** {@code list_files}: a directory's entries, at most {@code max_entries} of them. */
  public Map<String, Object> listFiles(String session, ToolArguments args) {
    Sandbox sandbox = owned(keyOf(session, args));
    String path = args.requiredString("path");
    long max = args.integer("max_entries", DEFAULT_MAX_ENTRIES, 1, MAX_ENTRIES_LIMIT, false)
        .orElseThrow();
    List<FileEntry> entries = bounded(timeoutOf(args), "list directory in sandbox",
        () -> sandbox.files().list(path));
    List<Map<String, Object>> shown = new ArrayList<>();
    for (FileEntry entry : entries.subList(0, (int) Math.min(max, entries.size()))) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("name", entry.name());
      item.put("size", entry.size());
      item.put("type", entry.isDirectory() ? "directory" : "file");
      item.put("mod_time", epochSeconds(entry.modifiedTime()));
      shown.add(item);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("entries", shown);
    out.put("total_entries", entries.size());
    out.put("truncated", entries.size() > max);
    return out;
  }

  /** {@code file_exists}: whether a file or directory exists; a missing one is no error. */
  public Map<String, Object> fileExists(String session, ToolArguments args) {
    Sandbox sandbox = owned(keyOf(session, args));
    String path = args.requiredString("path");
    boolean exists = bounded(timeoutOf(args), "check path in sandbox",
        () -> sandbox.files().exists(path));
    return Map.of("exists", exists);
  }

  /** The claim names of the session's sandboxes in {@code namespace}, as the cluster lists them. */
  public List<String> sandboxesOf(String session, String namespace) {
    try {
      return fleet.list(namespace, Map.of(sessionLabelKey, session)).stream()
          .map(SandboxSummary::claimName).toList();
    } catch (SandboxException | IllegalArgumentException e) {
      throw new ToolFailure("Failed to list sandboxes: " + e.getMessage(), e);
    }
  }

  /** Deletes the sandboxes of a session that ended. */
  public void closeSession(String session) {
    sandboxes.forEach((key, sandbox) -> {
      if (key.session.equals(session) && sandboxes.remove(key, sandbox)) {
        terminate(sandbox);
      }
    });
  }

  /** Deletes every sandbox the tools created and stops the call threads. Idempotent. */
  @Override
  public void close() {
    closed = true;
    sandboxes.forEach((key, sandbox) -> {
      if (sandboxes.remove(key, sandbox)) {
        terminate(sandbox);
      }
    });
    calls.shutdownNow();
  }

  private ExecutionResult streamed(Sandbox sandbox, String command, Duration timeout,
      Consumer<String> progress) {
    SandboxProcess process;
    try {
      process = sandbox.commands().start(ProcessSpec.shell(command).toBuilder()
          .timeout(timeout).build());
    } catch (UnsupportedOperationException e) {
      // The legacy runtime without pods/exec: no live output, the plain call still works.
      LOG.debug("No live process in sandbox {}: {}", sandbox.claimName(), e.getMessage());
      return sandbox.commands().run(command, timeout);
    }
    try (process) {
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      StringBuilder stdout = new StringBuilder();
      StringBuilder stderr = new StringBuilder();
      process.onStdoutLine(line -> lines.add("o" + line));
      process.onStderrLine(line -> lines.add("e" + line));
      // The exit completes after the last line was handed over: it closes the queue.
      process.onExit().whenComplete((result, error) -> lines.add(END_OF_OUTPUT));
      long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new ToolFailure("Failed to execute command in sandbox: it did not finish "
              + "within " + timeout.toSeconds() + " s and was stopped.");
        }
        if (line.equals(END_OF_OUTPUT)) {
          break;
        }
        StringBuilder sink = line.charAt(0) == 'o' ? stdout : stderr;
        String text = line.substring(1);
        if (sink.length() + text.length() < MAX_STREAMED_OUTPUT_CHARS) {
          sink.append(text).append('\n');
        }
        progress.accept(text);
      }
      ExecutionResult result = process.onExit().get();
      return new ExecutionResult(stdout.toString(), stderr.toString(), result.exitCode(),
          result.timedOut());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ToolFailure("Failed to execute command in sandbox: interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new ToolFailure("Failed to execute command in sandbox: " + cause.getMessage(), cause);
    }
  }

  /**
   * Runs a file operation within {@code timeout}: past it the operation is interrupted (which
   * aborts its request) and the call fails.
   */
  private <T> T bounded(Duration timeout, String what, Callable<T> operation) {
    requireOpen();
    Future<T> call = calls.submit(operation);
    try {
      return call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new ToolFailure("Failed to " + what + ": no answer within " + timeout.toSeconds()
          + " s.");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new ToolFailure("Failed to " + what + ": interrupted");
    } catch (CancellationException e) {
      throw new ToolFailure("Failed to " + what + ": cancelled");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ToolFailure failure) {
        throw failure;
      }
      if (cause instanceof SandboxException || cause instanceof IllegalArgumentException
          || cause instanceof IllegalStateException) {
        throw new ToolFailure("Failed to " + what + ": " + cause.getMessage(), cause);
      }
      LOG.warn("Unexpected failure of a sandbox tool", cause);
      throw new ToolFailure("Failed to " + what + ": " + cause);
    }
  }

  private Sandbox owned(SandboxKey key) {
    Sandbox sandbox = sandboxes.get(key);
    if (sandbox == null) {
      throw new ToolFailure("Sandbox claim '" + key.claimName + "' is not found in namespace '"
          + key.namespace + "'.");
    }
    return sandbox;
  }

  private SandboxKey keyOf(String session, ToolArguments args) {
    return new SandboxKey(session, namespaceOf(args), args.requiredString("sandbox_claim_name"));
  }

  private String namespaceOf(ToolArguments args) {
    return args.optionalString("namespace").filter(s -> !s.isBlank()).orElse(defaultNamespace());
  }

  private static Duration timeoutOf(ToolArguments args) {
    return Duration.ofSeconds(args.integer("timeout", DEFAULT_TIMEOUT_SECONDS, 1,
        MAX_TIMEOUT_SECONDS, false).orElseThrow());
  }

  private static double epochSeconds(Instant time) {
    return time.getEpochSecond() + time.getNano() / 1e9;
  }

  private void requireOpen() {
    if (closed) {
      throw new ToolFailure("The server is shutting down.");
    }
  }

  private static void terminate(Sandbox sandbox) {
    try {
      sandbox.terminate();
    } catch (RuntimeException e) {
      LOG.warn("Could not delete sandbox claim {}/{}: {}", sandbox.namespace(),
          sandbox.claimName(), e.getMessage());
    }
  }

  private record SandboxKey(String session, String namespace, String claimName) {
  }
}
