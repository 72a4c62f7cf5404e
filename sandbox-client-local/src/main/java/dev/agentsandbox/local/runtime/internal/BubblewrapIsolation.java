package dev.agentsandbox.local.runtime.internal;

import dev.agentsandbox.local.runtime.CommandIsolation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Wraps commands in a bubblewrap ({@code bwrap}) sandbox. */
public final class BubblewrapIsolation implements CommandIsolation {

  private final Path executable;

  /** Uses the {@code bwrap} binary at {@code executable}. */
  public BubblewrapIsolation(Path executable) {
    this.executable = Objects.requireNonNull(executable, "executable");
  }

  /** The {@code bwrap} binary. */
  public Path executable() {
    return executable;
  }

  @Override
  public List<String> wrap(List<String> argv, Path baseDir) {
    String base = baseDir.toString();
    List<String> wrapped = new ArrayList<>(argv.size() + 32);
    wrapped.add(executable.toString());
    wrapped.add("--ro-bind");
    wrapped.add("/");
    wrapped.add("/");
    wrapped.add("--dev");
    wrapped.add("/dev");
    wrapped.add("--proc");
    wrapped.add("/proc");
    wrapped.add("--tmpfs");
    wrapped.add("/tmp");
    // After --tmpfs /tmp, so a base directory under /tmp is mounted over the empty tmpfs.
    wrapped.add("--bind");
    wrapped.add(base);
    wrapped.add(base);
    wrapped.add("--unshare-net");
    wrapped.add("--unshare-pid");
    wrapped.add("--unshare-ipc");
    wrapped.add("--unshare-uts");
    wrapped.add("--die-with-parent");
    wrapped.add("--new-session");
    wrapped.add("--chdir");
    wrapped.add(base);
    wrapped.add("--");
    wrapped.addAll(argv);
    return wrapped;
  }

  @Override
  public boolean isolated() {
    return true;
  }

  @Override
  public String describe() {
    return "bubblewrap (" + executable + "): read-only host, writable base directory, "
        + "no network, own pid namespace";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BubblewrapIsolation && ((BubblewrapIsolation) o).executable.equals(executable);
  }

  @Override
  public int hashCode() {
    return executable.hashCode();
  }

  @Override
  public String toString() {
    return describe();
  }
}
