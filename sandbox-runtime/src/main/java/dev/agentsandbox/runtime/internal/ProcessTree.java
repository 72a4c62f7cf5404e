package dev.agentsandbox.runtime.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Kills a command together with everything it started.
 *
 * <p>{@link ProcessHandle#descendants()} only finds processes whose parent chain still leads to the
 * command; once the command exits, its background children are re-parented and invisible there,
 * yet they may still hold the output pipes open. So every command not confined by an isolation
 * runs in a session of its own ({@code setsid}), which its children stay in even when they
 * double-fork, and whose id, the command's pid, is not reused while any member lives. A kill
 * sweeps {@code /proc} for the members of that session. A process that starts a session of its
 * own escapes that; as a second net, every command also gets a unique marker in its environment
 * and the sweep kills the processes carrying it, which catches those unless they also cleared
 * their environment. Only a cgroup or a pid namespace (bubblewrap's) holds every descendant.
 */
final class ProcessTree {

  static final String MARKER_VARIABLE = "SANDBOX_RUNTIME_COMMAND";

  private static final Path PROC = Path.of("/proc");
  private static final String SETSID = findSetsid();

  private ProcessTree() {
  }

  /** Whether {@link #inNewSession} can start commands in a session of their own. */
  static boolean sessionsAvailable() {
    return SETSID != null;
  }

  /**
   * The argument vector that runs {@code argv} as the leader of a new session, or {@code argv}
   * itself when {@code setsid} is not installed (or there is no {@code /proc} to find the
   * session's members in). {@code -w} waits for the command should setsid have to fork.
   */
  static List<String> inNewSession(List<String> argv) {
    if (SETSID == null) {
      return argv;
    }
    List<String> wrapped = new ArrayList<>(argv.size() + 3);
    wrapped.add(SETSID);
    wrapped.add("-w");
    wrapped.add("--");
    wrapped.addAll(argv);
    return wrapped;
  }

  /**
   * Sends SIGKILL to {@code process}, its descendants, every process carrying the marker and,
   * if it leads a session of its own, every member of that session.
   *
   * @param leaderStart the start time of {@code process} (see {@link #startTime}), or -1
   */
  static void kill(Process process, String marker, boolean ownSession, long leaderStart) {
    // Snapshot first: once the parent dies, its children are re-parented and lost to descendants().
    List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    sweep(marker + "\0", ownSession ? Map.of(process.pid(), leaderStart) : Map.of());
  }

  /**
   * Sends SIGKILL to every process whose marker starts with {@code markerPrefix} (a prefix ending
   * in NUL matches one marker exactly) or which is a member of one of {@code sessions}, given as
   * session id to the start time of its leader (-1 if unknown). A session id is a pid, which the
   * kernel reuses once the session has no member left: a session whose id now belongs to a
   * process started at another time, and a member older than the leader, are someone else's.
   * Does nothing where there is no {@code /proc}.
   */
  static void sweep(String markerPrefix, Map<Long, Long> sessions) {
    if (!Files.isDirectory(PROC)) {
      return;
    }
    byte[] needle = (MARKER_VARIABLE + "=" + markerPrefix).getBytes(StandardCharsets.UTF_8);
    long self = ProcessHandle.current().pid();
    List<long[]> members = new ArrayList<>();
    Set<Long> reused = new HashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        long pid = parsePid(entry.getFileName().toString());
        if (pid <= 1 || pid == self) {
          continue;
        }
        long[] stat = sessions.isEmpty() ? null : stat(entry);
        if (stat != null && sessions.containsKey(pid)) {
          long leaderStart = sessions.get(pid);
          if (leaderStart >= 0 && stat[1] != leaderStart) {
            reused.add(pid);
          }
        }
        if (stat != null && sessions.containsKey(stat[0])) {
          members.add(new long[] {pid, stat[0], stat[1]});
        } else if (hasMarker(entry, needle)) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (IOException e) {
      // Best effort: descendants were already killed.
    }
    for (long[] member : members) {
      long leaderStart = sessions.get(member[1]);
      if (!reused.contains(member[1]) && member[2] >= leaderStart) {
        ProcessHandle.of(member[0]).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** Which of {@code sessions} (as for {@link #sweep}) still have a member. */
  static Set<Long> liveSessions(Set<Long> sessions) {
    Set<Long> live = new HashSet<>();
    if (sessions.isEmpty() || !Files.isDirectory(PROC)) {
      return live;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        if (parsePid(entry.getFileName().toString()) > 1) {
          long[] stat = stat(entry);
          if (stat != null && sessions.contains(stat[0])) {
            live.add(stat[0]);
          }
        }
      }
    } catch (IOException e) {
      return new HashSet<>(sessions); // keep them all rather than forget one
    }
    return live;
  }

  /**
   * The start time of a process, in clock ticks since boot, or -1 if it is gone. Read right after
   * the start, while the process cannot have been reaped yet in most cases.
   */
  static long startTime(long pid) {
    long[] stat = stat(PROC.resolve(Long.toString(pid)));
    return stat == null ? -1 : stat[1];
  }

  /**
   * Whether process {@code pid} leads a session that has a controlling terminal: the terminal's
   * control characters (an interrupt, say) now reach that session's foreground process group.
   */
  static boolean leadsSessionWithTerminal(long pid) {
    String[] fields = statFields(PROC.resolve(Long.toString(pid)));
    return fields != null && parseLong(fields[3]) == pid && parseLong(fields[4]) > 0;
  }

  /**
   * Whether process {@code pid} runs in a pid namespace below this process's, and not as that
   * namespace's init: a command that an isolation's init has started.
   */
  static boolean belowNamespaceInit(long pid) {
    try {
      for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"),
          StandardCharsets.ISO_8859_1)) {
        if (line.startsWith("NSpid:")) {
          String[] pids = line.substring("NSpid:".length()).trim().split("\\s+");
          return pids.length >= 2 && parseLong(pids[pids.length - 1]) >= 2;
        }
      }
    } catch (IOException | SecurityException e) {
      // gone
    }
    return false;
  }

  /** Session id and start time from {@code /proc/<pid>/stat}, or null if the process is gone. */
  private static long[] stat(Path entry) {
    String[] fields = statFields(entry);
    if (fields == null) {
      return null;
    }
    long session = parseLong(fields[3]);
    long start = parseLong(fields[19]);
    return session < 0 || start < 0 ? null : new long[] {session, start};
  }

  /**
   * The fields of {@code /proc/<pid>/stat} after the command name, from the state on (index 3 is
   * the session id, 4 the controlling terminal, 19 the start time), or null if the process is gone.
   */
  private static String[] statFields(Path entry) {
    String stat;
    try {
      stat = Files.readString(entry.resolve("stat"), StandardCharsets.ISO_8859_1);
    } catch (IOException | SecurityException e) {
      return null;
    }
    // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
    // stime cutime cstime priority nice num_threads itrealvalue starttime ...": comm may hold
    // spaces and parentheses.
    int end = stat.lastIndexOf(')');
    if (end < 0 || end + 2 >= stat.length()) {
      return null;
    }
    String[] fields = stat.substring(end + 2).split(" ", 21);
    return fields.length < 20 ? null : fields;
  }

  private static boolean hasMarker(Path entry, byte[] needle) {
    byte[] environ;
    try {
      environ = Files.readAllBytes(entry.resolve("environ"));
    } catch (IOException | SecurityException e) {
      return false; // gone, or not ours to read
    }
    return containsVariable(environ, needle);
  }

  private static String findSetsid() {
    if (!Files.isDirectory(PROC)) {
      return null;
    }
    for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
      Path path = Path.of(candidate);
      if (Files.isRegularFile(path) && Files.isExecutable(path)) {
        return candidate;
      }
    }
    return null;
  }

  private static long parseLong(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long parsePid(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    return name.isEmpty() ? -1 : parseLong(name);
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
