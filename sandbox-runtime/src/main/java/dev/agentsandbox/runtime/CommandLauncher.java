package dev.agentsandbox.runtime;

import dev.agentsandbox.runtime.internal.LauncherProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A small process that starts commands for the runtimes running in this JVM.
 *
 * <p>Every new process closes the descriptors it inherits before it runs its program. A JVM
 * that hosts a whole local cluster holds hundreds of them (jars, sockets of watches and servers),
 * which adds about a millisecond to every command and more to the slowest ones. The launcher is
 * a second JVM holding about a dozen; runtimes hand it their commands over a pipe. A runtime in a
 * JVM of its own (see {@link SandboxRuntimeMain}) does not need one.
 *
 * <pre>{@code
 * try (CommandLauncher launcher = CommandLauncher.start(Duration.ofSeconds(30));
 *      SandboxRuntimeServer runtime = SandboxRuntimeServer.start(vertx,
 *          RuntimeOptions.builder().baseDir(dir).launcher(launcher).build())) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Should the launcher process die, the commands it ran are killed with their process trees and
 * fail, and a new one is started at once; one that keeps dying soon after its start is started
 * again after a pause, doubling from half a second up to 30 seconds, during which commands fail
 * at once.
 *
 * <p>Thread-safe; one launcher serves any number of runtimes. Closing it kills the commands it
 * still runs.
 *
 * @since 0.1.0
 */
public final class CommandLauncher implements AutoCloseable {
  private final LauncherProcess process;

  private CommandLauncher(LauncherProcess process) {
    this.process = process;
  }

  /**
   * Starts the launcher process (a JVM, with this JVM's {@code java}) and blocks until it is
   * ready, typically a few hundred milliseconds.
   *
   * @param timeout how long to wait for it
   * @throws IOException if it cannot be started or is not ready in time
   */
  public static CommandLauncher start(Duration timeout) throws IOException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    return new CommandLauncher(LauncherProcess.start(timeout));
  }

  LauncherProcess process() {
    return process;
  }

  /** Stops the launcher, killing the commands it still runs. Idempotent; blocks briefly. */
  @Override
  public void close() {
    process.close();
  }
}
