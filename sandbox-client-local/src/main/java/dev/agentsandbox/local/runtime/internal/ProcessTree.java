package dev.agentsandbox.local.runtime.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Kills a command together with everything it started.
 *
 * <p>{@link ProcessHandle#descendants()} only finds processes whose parent chain still leads to the
 * command; once the command exits, its background children are re-parented and invisible there,
 * yet they may still hold the output pipes open. Every command therefore gets a unique marker in
 * its environment, which its children inherit, and on Linux the kill also sweeps {@code /proc} for
 * processes carrying that marker.
 */
final class ProcessTree {

  static final String MARKER_VARIABLE = "SANDBOX_RUNTIME_COMMAND";

  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {
  }

  /** Sends SIGKILL to {@code process}, its descendants and every process carrying the marker. */
  static void kill(Process process, String marker) {
    // Snapshot first: once the parent dies, its children are re-parented and lost to descendants().
    List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    killMarked(marker + "\0");
  }

  /**
   * Sends SIGKILL to every process whose marker starts with {@code markerPrefix}; a prefix ending
   * in NUL matches one marker exactly. Does nothing where there is no {@code /proc}.
   */
  static void killMarked(String markerPrefix) {
    if (!Files.isDirectory(PROC)) {
      return;
    }
    byte[] needle = (MARKER_VARIABLE + "=" + markerPrefix).getBytes(StandardCharsets.UTF_8);
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        long pid = parsePid(entry.getFileName().toString());
        if (pid <= 1 || pid == self) {
          continue;
        }
        byte[] environ;
        try {
          environ = Files.readAllBytes(entry.resolve("environ"));
        } catch (IOException | SecurityException e) {
          continue; // gone, or not ours to read
        }
        if (containsVariable(environ, needle)) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (IOException e) {
      // Best effort: descendants were already killed.
    }
  }

  private static long parsePid(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    return name.isEmpty() ? -1 : Long.parseLong(name);
  }

  private static boolean containsVariable(byte[] environ, byte[] needle) {
    outer:
    for (int start = 0; start + needle.length <= environ.length; start++) {
      if (start > 0 && environ[start - 1] != 0) {
        continue;
      }
      for (int j = 0; j < needle.length; j++) {
        if (environ[start + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
