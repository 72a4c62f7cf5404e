package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * The legacy runtime ({@code /execute} and the file endpoints) behind {@link SandboxRuntimeApi}.
 * What the runtime has no endpoint for is done with a command: a {@link ProcessSpec}'s
 * environment and directory through {@code env}, a file's mode with {@code chmod}, a delete with
 * {@code rm}. Live processes go through the Kubernetes {@code pods/exec} API, when allowed.
 */
public final class LegacyRuntimeApi implements SandboxRuntimeApi {
  private final RuntimeHttpApi http;
  private final SandboxRef ref;
  private final ExecutorService async;
  private final @Nullable LiveStarter podExec;

  /** Starts a live process; blocks until it runs. */
  @FunctionalInterface
  public interface LiveStarter {
    SandboxProcess start(ProcessSpec spec) throws InterruptedException;
  }

  /**
   * @param async runs {@link #runAsync} calls, each on one of its threads while it runs
   * @param podExec starts live processes through pods/exec, or null if the caller did not allow it
   */
  public LegacyRuntimeApi(RuntimeHttpApi http, SandboxRef ref, ExecutorService async,
      @Nullable LiveStarter podExec) {
    this.http = http;
    this.ref = ref;
    this.async = async;
    this.podExec = podExec;
  }

  @Override
  public String runtimeName() {
    return "legacy";
  }

  @Override
  public ExecutionResult execute(String command, @Nullable Duration timeout) {
    return http.execute(command, timeout);
  }

  @Override
  public ExecutionResult run(ProcessSpec spec) {
    if (spec.terminal().isPresent()) {
      throw new IllegalArgumentException("a terminal needs a live process (SandboxCommands.start), "
          + "which the legacy runtime offers only through pods/exec");
    }
    return http.execute(commandLine(spec), spec.timeout().orElse(null));
  }

  @Override
  public CompletableFuture<ExecutionResult> executeAsync(String command) {
    return async(() -> execute(command, null));
  }

  @Override
  public CompletableFuture<ExecutionResult> runAsync(ProcessSpec spec) {
    return async(() -> run(spec));
  }

  private CompletableFuture<ExecutionResult> async(Supplier<ExecutionResult> call) {
    CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
    Future<?> task = async.submit(() -> {
      try {
        result.complete(call.get());
      } catch (RuntimeException | Error e) {
        result.completeExceptionally(e);
      }
    });
    // Cancelling interrupts the call, which the client turns into a cancelled request.
    result.whenComplete((ignored, error) -> {
      if (result.isCancelled()) {
        task.cancel(true);
      }
    });
    return result;
  }

  @Override
  public SandboxProcess start(ProcessSpec spec) throws InterruptedException {
    if (podExec == null) {
      throw new UnsupportedOperationException("Sandbox '" + ref.sandboxName() + "' runs the legacy "
          + "runtime, whose API has no live processes: allow them through the Kubernetes pods/exec API "
          + "(SandboxClient.Builder.podExec(true) or SandboxFleet.Builder.podExec(true); needs RBAC create "
          + "on pods/exec), or use a sandboxd template");
    }
    return podExec.start(spec);
  }

  /**
   * The legacy runtime's command line for {@code spec}: it splits words like a POSIX shell, so
   * every word is single-quoted; environment and directory go through {@code env}.
   */
  static String commandLine(ProcessSpec spec) {
    List<String> words = new ArrayList<>();
    if (!spec.environment().isEmpty() || spec.cwd().isPresent()) {
      words.add("env");
      spec.cwd().ifPresent(cwd -> {
        words.add("-C");
        words.add(cwd);
      });
      // Options end before the assignments: env takes the word after them as the command.
      words.add("--");
      for (Map.Entry<String, String> variable : spec.environment().entrySet()) {
        words.add(variable.getKey() + "=" + variable.getValue());
      }
    }
    words.addAll(spec.command());
    return ShellQuoting.quote(words);
  }

  @Override
  public void upload(String path, byte[] content, @Nullable String mode) {
    http.upload(path, content);
    if (mode != null) {
      ExecutionResult chmod = http.execute(ShellQuoting.quote(List.of("chmod", mode, "--", path)), null);
      if (!chmod.succeeded()) {
        throw new SandboxException("Wrote '" + path + "' but could not set its mode " + mode + ": "
            + chmod.stderr().strip(), ref.claimName(), ref.namespace(), null);
      }
    }
  }

  @Override
  public void upload(String path, InputStream content) {
    http.upload(path, content);
  }

  @Override
  public void upload(String path, Path localFile) {
    http.upload(path, localFile);
  }

  @Override
  public byte[] download(String path) {
    return http.download(path);
  }

  @Override
  public long download(String path, OutputStream sink) {
    return http.download(path, sink);
  }

  @Override
  public List<FileEntry> list(String path) {
    return http.list(path);
  }

  @Override
  public boolean exists(String path) {
    return http.exists(path);
  }

  @Override
  public void delete(String path, boolean recursive) {
    if (path.isEmpty()) {
      throw new SandboxException("The sandbox's base directory cannot be deleted",
          ref.claimName(), ref.namespace(), null);
    }
    if (!http.exists(path)) {
      throw new SandboxFileNotFoundException(path, "", ref.claimName(), ref.namespace());
    }
    List<String> rm = recursive ? List.of("rm", "-r", "-f", "--", path) : List.of("rm", "-d", "--", path);
    ExecutionResult result = http.execute(ShellQuoting.quote(rm), null);
    if (!result.succeeded()) {
      throw new SandboxException("Cannot delete '" + path + "' in sandbox '" + ref.sandboxName()
          + "': " + result.stderr().strip() + (recursive ? "" : " (a directory needs recursive=true)"),
          ref.claimName(), ref.namespace(), null);
    }
  }

  @Override
  public OkHttpClient okHttpClient() {
    return http.okHttpClient();
  }

  @Override
  public void close() {
    http.close();
  }
}
