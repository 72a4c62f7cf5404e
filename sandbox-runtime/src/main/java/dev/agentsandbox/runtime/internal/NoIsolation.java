package dev.agentsandbox.runtime.internal;

import dev.agentsandbox.runtime.CommandIsolation;
import java.nio.file.Path;
import java.util.List;

/** Runs commands directly on the host. */
public final class NoIsolation implements CommandIsolation {

  /** The only instance. */
  public static final NoIsolation INSTANCE = new NoIsolation();

  private NoIsolation() {
  }

  @Override
  public List<String> wrap(List<String> argv, Path baseDir) {
    return argv;
  }

  @Override
  public boolean isolated() {
    return false;
  }

  @Override
  public String describe() {
    return "none (commands run with the host access of the runtime's user)";
  }

  @Override
  public String toString() {
    return describe();
  }
}
