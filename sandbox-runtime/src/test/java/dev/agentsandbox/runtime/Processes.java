package dev.agentsandbox.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** What tests read of local processes through {@code /proc}. */
public final class Processes {
  private Processes() {
  }

  /** True once the process no longer runs (absent, or a zombie nobody has reaped yet). */
  public static boolean gone(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
      return state == 'Z' || state == 'X';
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException e) {
      if ("No such process".equals(e.getMessage())) {
        return true; // exited while its stat was read
      }
      throw new UncheckedIOException(e);
    }
  }
}
