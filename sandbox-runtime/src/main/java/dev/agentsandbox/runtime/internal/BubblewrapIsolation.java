package dev.agentsandbox.runtime.internal;

import dev.agentsandbox.runtime.CommandIsolation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Wraps commands in a bubblewrap ({@code bwrap}) sandbox that holds as well when the runtime runs
 * as root as when it runs as an ordinary user:
 *
 * <ul>
 *   <li>a user namespace in which the command is {@code nobody} (uid and gid 65534) with no
 *       capabilities at all, so it can neither remount nor mount anything, nor act as root on
 *       files;
 *   <li>a file system built from nothing: the system directories read-only, {@code /etc}
 *       read-only without what not every local user may read (see {@link HostView}), a fresh
 *       {@code /proc},
 *       {@code /dev} and {@code /tmp}, and the base directory, the only writable host
 *       directory; the root is read-only;
 *   <li>its own network (an unconnected loopback), pid, IPC, UTS and cgroup namespaces, a new
 *       session (no access to the runtime's terminal), and death with the runtime.
 * </ul>
 *
 * <p>Files the command creates belong, outside, to the runtime's user.
 *
 * <p>Where user namespaces are forbidden, root can still use bubblewrap without one
 * ({@code userNamespace} false): the command then runs as root, but with no capabilities, in
 * the same file system view, so what it cannot see it cannot read.
 */
public final class BubblewrapIsolation implements CommandIsolation {

  /** The user and group commands run as inside the sandbox: {@code nobody}. */
  static final String SANDBOX_ID = "65534";

  private final Path executable;
  private final boolean userNamespace;
  private volatile List<String> hostView;

  /** Uses the {@code bwrap} binary at {@code executable}, with a user namespace. */
  public BubblewrapIsolation(Path executable) {
    this(executable, true);
  }

  /**
   * Uses the {@code bwrap} binary at {@code executable}; {@code userNamespace} false only for
   * root on hosts without user namespaces.
   */
  public BubblewrapIsolation(Path executable, boolean userNamespace) {
    this.executable = Objects.requireNonNull(executable, "executable");
    this.userNamespace = userNamespace;
  }

  /** The {@code bwrap} binary. */
  public Path executable() {
    return executable;
  }

  @Override
  public List<String> wrap(List<String> argv, Path baseDir) {
    String base = baseDir.toString();
    List<String> view = hostView();
    List<String> wrapped = new ArrayList<>(argv.size() + view.size() + 40);
    wrapped.add(executable.toString());
    if (userNamespace) {
      Collections.addAll(wrapped, "--unshare-user", "--uid", SANDBOX_ID, "--gid", SANDBOX_ID);
    }
    Collections.addAll(wrapped, "--unshare-ipc", "--unshare-pid", "--unshare-net",
        "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL");
    Collections.addAll(wrapped, "--die-with-parent", "--new-session");
    wrapped.addAll(view);
    Collections.addAll(wrapped, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
    // After --tmpfs /tmp, so a base directory under /tmp is mounted over the empty tmpfs.
    Collections.addAll(wrapped, "--bind", base, base, "--chdir", base);
    // Last: what bwrap created on its root tmpfs (the mount points) turns read-only; the binds
    // and tmpfs mounts above keep their own modes.
    Collections.addAll(wrapped, "--remount-ro", "/", "--");
    wrapped.addAll(argv);
    return wrapped;
  }

  /** Computed once: /etc is listed and checked only for the first command. */
  private List<String> hostView() {
    List<String> view = hostView;
    if (view == null) {
      view = HostView.bubblewrapArguments();
      hostView = view;
    }
    return view;
  }

  @Override
  public boolean isolated() {
    return true;
  }

  @Override
  public String describe() {
    return "bubblewrap (" + executable + "): "
        + (userNamespace ? "unprivileged user namespace" : "no user namespace (root)")
        + " without capabilities, read-only system directories and public /etc, writable base "
        + "directory only, no network, own pid namespace";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BubblewrapIsolation b && b.executable.equals(executable)
        && b.userNamespace == userNamespace;
  }

  @Override
  public int hashCode() {
    return executable.hashCode() * 31 + Boolean.hashCode(userNamespace);
  }

  @Override
  public String toString() {
    return describe();
  }
}
