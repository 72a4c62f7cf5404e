package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxCommands;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxFiles;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ready sandbox of a fleet, reached through its own {@link RuntimeHttpApi}. It reads its
 * Sandbox through a {@link SandboxLookup}, deletes its claim through a {@link ClaimDeleter}, and
 * tells whoever holds it that it ended through a callback: it knows nothing of the provisioner
 * that made it or the fleet that holds it. Thread-safe.
 */
public final class SandboxHandle implements Sandbox {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxHandle.class);

  private final SandboxRef ref;
  private final String templateName;
  private final SandboxRuntimeApi http;
  private final boolean created;
  private final ClaimRestartWatch.Registration watching;
  private final Telemetry telemetry;
  private final SandboxLookup lookup;
  private final ClaimDeleter deleter;
  private final ClaimGoneCheck goneCheck;
  private final Consumer<SandboxHandle> onEnd;
  private final Map<String, String> attributes;
  private final AtomicReference<String> ended = new AtomicReference<>();
  private volatile String type = "Sandbox";
  private final Commands commands = new Commands();
  private final FileOperations files = new FileOperations();

  /**
   * @param watching this sandbox's registration with the claim watch; closed when it ends
   * @param onEnd told once when the handle is terminated or disconnected (not when
   *     {@link #closeLocally()} ends it)
   */
  SandboxHandle(SandboxRef ref, String templateName, SandboxRuntimeApi http, boolean created,
      ClaimRestartWatch.Registration watching, Telemetry telemetry, SandboxLookup lookup,
      ClaimDeleter deleter, ClaimGoneCheck goneCheck, Consumer<SandboxHandle> onEnd) {
    this.ref = ref;
    this.templateName = templateName;
    this.http = http;
    this.created = created;
    this.watching = watching;
    this.telemetry = telemetry;
    this.lookup = lookup;
    this.deleter = deleter;
    this.goneCheck = goneCheck;
    this.onEnd = onEnd;
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put(Telemetry.NAMESPACE, ref.namespace());
    attrs.put(Telemetry.CLAIM, ref.claimName());
    attrs.put(Telemetry.SANDBOX, ref.sandboxName());
    this.attributes = Map.copyOf(attrs);
  }

  /**
   * Names the public type the user holds this sandbox through ({@code Sandbox} unless told
   * otherwise), so that messages speak of what the user has in hand.
   */
  public void describeAs(String publicType) {
    this.type = publicType;
  }

  /** Whether the fleet created this claim (rather than attached to it). */
  public boolean created() {
    return created;
  }

  /** The template the claim names, or null (v1beta1 claims name a pool). */
  public String templateName() {
    return templateName;
  }

  /**
   * Whether the client noticed that this sandbox's pod was replaced and has not yet reported it
   * with a {@link dev.agentsandbox.client.SandboxRestartedException}; for tests.
   */
  public boolean restartPending() {
    return watching.tracker().restartPending();
  }

  /** The fleet's watch on its claims, to check it ends; for tests. */
  ClaimRestartWatch restartWatch() {
    return watching.watch();
  }

  /** The HTTP client, to check its resources are released. */
  public OkHttpClient okHttpClient() {
    return http.okHttpClient();
  }

  @Override
  public SandboxCommands commands() {
    return commands;
  }

  @Override
  public SandboxFiles files() {
    return files;
  }

  @Override
  public SandboxState status() {
    return lookup.status(ref);
  }

  @Override
  public String claimName() {
    return ref.claimName();
  }

  @Override
  public String sandboxName() {
    return ref.sandboxName();
  }

  @Override
  public String namespace() {
    return ref.namespace();
  }

  @Override
  public String podName() {
    return lookup.podName(ref);
  }

  @Override
  public Optional<String> podIp() {
    return lookup.podIp(ref);
  }

  @Override
  public void terminate() {
    if (!release("terminated")) {
      return;
    }
    telemetry.call("sandbox.terminate", attributes, o -> {
      deleter.delete(ref);
      return null;
    });
    LOG.info("Terminated sandbox {}: deleted SandboxClaim {}/{}", ref.sandboxName(),
        ref.namespace(), ref.claimName());
  }

  @Override
  public void disconnect() {
    if (release("disconnected")) {
      LOG.info("Disconnected from sandbox {}; SandboxClaim {}/{} is kept", ref.sandboxName(),
          ref.namespace(), ref.claimName());
    }
  }

  /**
   * Ends this handle without deleting the claim and without telling the fleet; for the
   * fleet's own close.
   *
   * @return whether this call ended it
   */
  public boolean closeLocally() {
    if (!ended.compareAndSet(null, "closed")) {
      return false;
    }
    watching.close();
    http.close();
    return true;
  }

  /** Deletes the claim, logging instead of throwing; for the fleet's own close. */
  public boolean deleteClaimQuietly() {
    return deleter.deleteQuietly(ref);
  }

  /**
   * Runs an observed operation on the sandbox. A replacement of the sandbox's pod noticed
   * before is reported instead of running it, and one noticed while it ran replaces its
   * failure. When the router cannot reach the sandbox, one read of the claim tells whether it
   * is gone, which the router's 502 cannot say.
   */
  private <R> R call(String operation, Function<Telemetry.Observation, R> body) {
    RestartTracker restarts = watching.tracker();
    return telemetry.call(operation, attributes, o -> {
      restarts.throwIfRestarted();
      long mark = restarts.mark();
      try {
        return body.apply(o);
      } catch (SandboxConnectionException | SandboxRequestException e) {
        throw restarts.failed(mark, goneOr(e));
      } catch (RuntimeException e) {
        throw restarts.failed(mark, e);
      }
    });
  }

  private SandboxException goneOr(SandboxException failure) {
    boolean unreachable = failure instanceof SandboxConnectionException
        || failure instanceof SandboxRequestException r
            && (r.statusCode() == 502 || r.statusCode() == 503);
    if (!unreachable || ended.get() != null || Thread.currentThread().isInterrupted()) {
      return failure;
    }
    return goneCheck.gone(ref, failure, watching.tracker())
        .<SandboxException>map(gone -> gone)
        .orElse(failure);
  }

  private boolean release(String how) {
    if (!ended.compareAndSet(null, how)) {
      return false;
    }
    watching.close();
    http.close();
    onEnd.accept(this);
    return true;
  }

  private void ensureOpen() {
    String how = ended.get();
    if (how != null) {
      throw new IllegalStateException(type + " of SandboxClaim '" + ref.claimName()
          + "' in namespace '" + ref.namespace() + "' was " + how + ": "
          + ("disconnected".equals(how) ? "attach to it again" : "create a new one"));
    }
  }

  @Override
  public String toString() {
    String how = ended.get();
    return type + "[claim=" + ref.namespace() + "/" + ref.claimName() + ", sandbox="
        + ref.sandboxName() + (how == null ? "" : ", " + how) + "]";
  }

  private final class Commands implements SandboxCommands {
    @Override
    public ExecutionResult run(String command) {
      return runWith(command, null);
    }

    @Override
    public ExecutionResult run(String command, Duration timeout) {
      Timeouts.require("timeout", timeout);
      return runWith(command, timeout);
    }

    @Override
    public ExecutionResult run(ProcessSpec spec) {
      Objects.requireNonNull(spec, "spec");
      ensureOpen();
      return call("sandbox.run", o -> {
        ExecutionResult result = http.run(spec);
        o.attribute(Telemetry.EXIT_CODE, Integer.toString(result.exitCode()));
        return result;
      });
    }

    @Override
    public CompletableFuture<ExecutionResult> runAsync(String command) {
      requireCommand(command);
      ensureOpen();
      return http.executeAsync(command);
    }

    @Override
    public CompletableFuture<ExecutionResult> runAsync(ProcessSpec spec) {
      Objects.requireNonNull(spec, "spec");
      ensureOpen();
      return http.runAsync(spec);
    }

    @Override
    public SandboxProcess start(String commandLine) {
      return start(ProcessSpec.shell(commandLine));
    }

    @Override
    public SandboxProcess start(ProcessSpec spec) {
      Objects.requireNonNull(spec, "spec");
      ensureOpen();
      return call("sandbox.start", o -> {
        try {
          return http.start(spec);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SandboxInterruptedException("Interrupted while starting '" + spec.command().get(0)
              + "' in sandbox '" + ref.sandboxName() + "'", ref.claimName(), ref.namespace(), e);
        }
      });
    }

    private void requireCommand(String command) {
      Objects.requireNonNull(command, "command");
      if (command.isBlank()) {
        throw new IllegalArgumentException("command must not be blank");
      }
    }

    private ExecutionResult runWith(String command, Duration timeout) {
      Objects.requireNonNull(command, "command");
      if (command.isBlank()) {
        throw new IllegalArgumentException("command must not be blank");
      }
      ensureOpen();
      return call("sandbox.run", o -> {
        ExecutionResult result = http.execute(command, timeout);
        o.attribute(Telemetry.EXIT_CODE, Integer.toString(result.exitCode()));
        return result;
      });
    }
  }

  private final class FileOperations implements SandboxFiles {
    @Override
    public void write(String path, byte[] content) {
      Objects.requireNonNull(content, "content");
      send("sandbox.files.write", path, target -> http.upload(target, content, null));
    }

    @Override
    public void write(String path, byte[] content, Set<PosixFilePermission> permissions) {
      Objects.requireNonNull(content, "content");
      String mode = mode(permissions);
      send("sandbox.files.write", path, target -> http.upload(target, content, mode));
    }

    /** {@code 0640} for rw-r-----. */
    private String mode(Set<PosixFilePermission> permissions) {
      Objects.requireNonNull(permissions, "permissions");
      int bits = 0;
      for (PosixFilePermission permission : permissions) {
        bits |= 1 << (8 - permission.ordinal());
      }
      return String.format("0%03o", bits);
    }

    @Override
    public void delete(String path) {
      delete(path, false);
    }

    @Override
    public void delete(String path, boolean recursive) {
      on("sandbox.files.delete", SandboxPaths.file(path, ref), target -> {
        http.delete(target, recursive);
        return null;
      });
    }

    @Override
    public Optional<FileEntry> stat(String path) {
      String target = SandboxPaths.directory(path, ref);
      if (target.isEmpty()) {
        return Optional.of(new FileEntry("", 0, FileEntry.Type.DIRECTORY, Instant.EPOCH));
      }
      int slash = target.lastIndexOf('/');
      String parent = slash < 0 ? "" : target.substring(0, slash);
      String name = target.substring(slash + 1);
      return on("sandbox.files.stat", parent, directory -> {
        try {
          return http.list(directory).stream().filter(e -> e.name().equals(name)).findFirst();
        } catch (SandboxFileNotFoundException e) {
          return Optional.<FileEntry>empty();
        } catch (SandboxRequestException e) {
          if (e.statusCode() == 400) {
            return Optional.<FileEntry>empty(); // the parent is a file
          }
          throw e;
        }
      });
    }

    @Override
    public void write(String path, String utf8Content) {
      Objects.requireNonNull(utf8Content, "utf8Content");
      write(path, utf8Content.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void upload(String path, InputStream content) {
      Objects.requireNonNull(content, "content");
      send("sandbox.files.upload", path, target -> http.upload(target, content));
    }

    @Override
    public void upload(String path, Path localFile) {
      Objects.requireNonNull(localFile, "localFile");
      send("sandbox.files.upload", path, target -> http.upload(target, localFile));
    }

    /** Checks the upload target {@code path}, then has {@code sender} send to it. */
    private void send(String operation, String path, Consumer<String> sender) {
      on(operation, SandboxPaths.upload(path, ref), target -> {
        sender.accept(target);
        return null;
      });
    }

    /** Runs {@code operation} on the checked sandbox path {@code target}. */
    private <R> R on(String operation, String target, Function<String, R> action) {
      ensureOpen();
      return call(operation, o -> action.apply(target));
    }

    @Override
    public byte[] read(String path) {
      return on("sandbox.files.read", SandboxPaths.file(path, ref), http::download);
    }

    @Override
    public String readString(String path) {
      return new String(read(path), StandardCharsets.UTF_8);
    }

    @Override
    public long download(String path, OutputStream sink) {
      Objects.requireNonNull(sink, "sink");
      return on("sandbox.files.download", SandboxPaths.file(path, ref),
          source -> http.download(source, sink));
    }

    @Override
    public long download(String path, Path localFile) {
      Objects.requireNonNull(localFile, "localFile");
      String source = SandboxPaths.file(path, ref);
      ensureOpen();
      Path target = localFile.toAbsolutePath();
      return call("sandbox.files.download", o -> {
        Path partial = null;
        try {
          partial = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
          long bytes;
          try (OutputStream out = Files.newOutputStream(partial)) {
            bytes = http.download(source, out);
          }
          try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
          }
          partial = null;
          return bytes;
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot write the download of '" + source + "' to "
              + target, e);
        } finally {
          deletePartial(partial);
        }
      });
    }

    private void deletePartial(Path partial) {
      if (partial != null) {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException e) {
          LOG.warn("Could not delete the partial download {}: {}", partial, e.toString());
        }
      }
    }

    @Override
    public List<FileEntry> list(String path) {
      return on("sandbox.files.list", SandboxPaths.directory(path, ref), http::list);
    }

    @Override
    public boolean exists(String path) {
      return on("sandbox.files.exists", SandboxPaths.directory(path, ref), http::exists);
    }
  }
}
