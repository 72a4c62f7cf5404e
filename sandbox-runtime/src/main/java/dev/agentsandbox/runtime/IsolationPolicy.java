package dev.agentsandbox.runtime;

import dev.agentsandbox.runtime.internal.BubblewrapIsolation;
import dev.agentsandbox.runtime.internal.BubblewrapProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the runtime must, may or must not confine commands with bubblewrap.
 *
 * @since 0.1.0
 */
public enum IsolationPolicy {

  /** Use bubblewrap when it works here; otherwise run commands unconfined, with a warning. */
  AUTO,
  /** Use bubblewrap; refuse to run without it. */
  REQUIRED,
  /** Run commands unconfined. */
  NONE;

  private static final Logger LOG = LoggerFactory.getLogger(IsolationPolicy.class);

  private static final String GUIDANCE = "Install bubblewrap (Debian/Ubuntu: apt-get install "
      + "bubblewrap; Fedora/RHEL: dnf install bubblewrap; Alpine: apk add bubblewrap) and make "
      + "sure unprivileged user namespaces are allowed (sysctl kernel.unprivileged_userns_clone=1"
      + " or user.max_user_namespaces > 0; in a container, a seccomp/AppArmor profile that "
      + "permits them), or set isolation to 'none' to accept the risk explicitly.";

  /**
   * Returns the isolation this policy yields on this machine. {@link #AUTO} and {@link #REQUIRED}
   * locate {@code bwrap} (on the {@code PATH}, else {@code /usr/bin/bwrap}) and run a trivial
   * command inside it once per JVM; this blocks for the duration of that probe (milliseconds,
   * at most ten seconds). Where user namespaces are forbidden, root gets bubblewrap without one
   * (commands run as root with no capabilities), with a warning.
   *
   * @throws IllegalStateException for {@link #REQUIRED} when bubblewrap does not work, with the
   *     reason and how to fix it
   */
  public CommandIsolation resolve() {
    if (this == NONE) {
      return CommandIsolation.none();
    }
    Path bwrap = BubblewrapProbe.locate();
    Optional<String> problem = BubblewrapProbe.problem(bwrap);
    if (problem.isEmpty()) {
      return CommandIsolation.bubblewrap(bwrap);
    }
    if (runningAsRoot()) {
      BubblewrapIsolation asRoot = new BubblewrapIsolation(bwrap, false);
      if (BubblewrapProbe.problem(asRoot).isEmpty()) {
        LOG.warn("User namespaces are not available here ({}): sandbox commands run under "
            + "bubblewrap as root, without capabilities and seeing only the system directories, "
            + "public /etc and their own directory. Allow user namespaces (user.max_user_namespaces"
            + " > 0) to have them run as nobody.", problem.get());
        return asRoot;
      }
    }
    if (this == REQUIRED) {
      throw new IllegalStateException("Command isolation is required but bubblewrap does not "
          + "work: " + problem.get() + ". " + GUIDANCE);
    }
    LOG.warn("Sandbox commands will run WITHOUT isolation: they can read and write everything the"
        + " runtime's user can and reach the network, because bubblewrap does not work here ({})."
        + " {}", problem.get(), GUIDANCE);
    return CommandIsolation.none();
  }

  private static boolean runningAsRoot() {
    try {
      // /proc/self belongs to the process's effective user.
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Parses {@code auto}, {@code required} or {@code none}, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static IsolationPolicy parse(String value) {
    String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    for (IsolationPolicy policy : values()) {
      if (policy.name().equals(v)) {
        return policy;
      }
    }
    throw new IllegalArgumentException("Unknown isolation policy '" + value
        + "': use auto, required or none");
  }
}
