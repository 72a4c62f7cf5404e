package dev.agentsandbox.local.runtime;

import dev.agentsandbox.local.runtime.internal.BubblewrapIsolation;
import dev.agentsandbox.local.runtime.internal.NoIsolation;
import java.nio.file.Path;
import java.util.List;

/**
 * How the runtime confines the commands it runs. An isolation turns the command's argument
 * vector into the one actually executed, typically by prefixing a sandboxing launcher.
 *
 * <p>Implementations are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public interface CommandIsolation {

  /**
   * Returns the argument vector to execute instead of {@code argv}, for a command whose working
   * directory is {@code baseDir}. Does not block.
   */
  List<String> wrap(List<String> argv, Path baseDir);

  /** Whether commands are actually confined; {@code false} means they run with host access. */
  boolean isolated();

  /** A one-line, human-readable description for logs. */
  String describe();

  /** Runs commands as they are, with the full rights of the JVM's user. */
  static CommandIsolation none() {
    return NoIsolation.INSTANCE;
  }

  /**
   * Runs each command under bubblewrap: the host file system read-only, the base directory
   * writable, private {@code /tmp}, {@code /dev} and {@code /proc}, no network (only an unplugged
   * loopback), and its own pid, IPC and UTS namespaces. The command dies with the runtime.
   *
   * <p>This does not check that bubblewrap works; {@link IsolationPolicy#resolve()} does.
   *
   * @param bwrapExecutable path of the {@code bwrap} executable
   */
  static CommandIsolation bubblewrap(Path bwrapExecutable) {
    return new BubblewrapIsolation(bwrapExecutable);
  }
}
