package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxProcess;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * What a sandbox handle does in its sandbox, whichever runtime serves it: the legacy runtime
 * ({@link LegacyRuntimeApi}) or sandboxd ({@link SandboxdApi}). Paths are already normalised
 * ({@link SandboxPaths}). Implementations are thread-safe.
 */
public interface SandboxRuntimeApi extends Closeable {

  /** The runtime's name for messages and telemetry: {@code legacy} or {@code sandboxd}. */
  String runtimeName();

  /** Runs a command line as {@code SandboxCommands.run} documents for this runtime. */
  ExecutionResult execute(String command, @Nullable Duration timeout);

  /** Runs a command line as {@link #execute} does, without blocking; cancelling ends it. */
  CompletableFuture<ExecutionResult> executeAsync(String command);

  /** Runs {@code spec} to its end. */
  ExecutionResult run(ProcessSpec spec);

  /** Runs {@code spec} without blocking; cancelling the future ends the command. */
  CompletableFuture<ExecutionResult> runAsync(ProcessSpec spec);

  /** Starts {@code spec} as a live process; blocks until it runs. */
  SandboxProcess start(ProcessSpec spec) throws InterruptedException;

  /** Writes a whole file, with {@code mode} (such as {@code 0640}) or the runtime's default. */
  void upload(String path, byte[] content, @Nullable String mode);

  /** Writes a file from a stream read to its end (not closed). */
  void upload(String path, InputStream content);

  /** Writes a file from a local file. */
  void upload(String path, Path localFile);

  /** Reads a whole file, bounded by the response limit. */
  byte[] download(String path);

  /** Copies a file into {@code sink}; returns the bytes copied. */
  long download(String path, OutputStream sink);

  /** Lists a directory. */
  List<FileEntry> list(String path);

  /** Whether anything exists at {@code path}. */
  boolean exists(String path);

  /** Deletes a file or directory; a non-empty directory only when {@code recursive}. */
  void delete(String path, boolean recursive);

  /** The HTTP client, to check its resources are released. */
  OkHttpClient okHttpClient();

  /** Cancels calls in flight and ends live processes; later calls fail. Idempotent. */
  @Override
  void close();
}
