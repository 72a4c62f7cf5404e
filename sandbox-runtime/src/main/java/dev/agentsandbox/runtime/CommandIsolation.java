package dev.agentsandbox.runtime;

import dev.agentsandbox.runtime.internal.BubblewrapIsolation;
import dev.agentsandbox.runtime.internal.NoIsolation;
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
   * Runs each command under bubblewrap, confined the same whether the runtime runs as root or as
   * an ordinary user: as {@code nobody} in a user namespace, with no capabilities; seeing only the
   * system directories ({@code /usr}, {@code /bin}, {@code /sbin}, {@code /lib*}) read-only, the
   * files of {@code /etc} that every local user may read (not {@code /etc/shadow}, private keys
   * and the like), private {@code /tmp}, {@code /dev} and {@code /proc}, and
   * its base directory, the only writable one. No home directory, no other sandbox's directory,
   * no {@code /run} and no host Unix socket is visible; the network is an unplugged loopback;
   * pid, IPC, UTS and cgroup namespaces are its own. The command dies with the runtime.
   *
   * <p>This does not check that bubblewrap works; {@link IsolationPolicy#resolve()} does.
   *
   * @param bwrapExecutable path of the {@code bwrap} executable
   */
  static CommandIsolation bubblewrap(Path bwrapExecutable) {
    return new BubblewrapIsolation(bwrapExecutable);
  }
}
