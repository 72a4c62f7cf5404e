package dev.agentsandbox.runtime.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The part of the host a sandboxed command sees, as bubblewrap arguments: the system
 * directories read-only, and {@code /etc} read-only with everything hidden that not every local
 * user may read.
 *
 * <p>Why not the whole host read-only: as root, a command in a user namespace still owns every
 * root-owned file, so any file that is bound is readable, {@code /etc/shadow} included. Hiding
 * what is not public makes the sandbox see no more of the host than an unprivileged local user
 * would, whoever runs the runtime. A hidden file is covered by {@code /dev/null}, bound without
 * device access so that opening it fails, a hidden directory by an empty read-only tmpfs. Home directories, {@code /root},
 * {@code /var}, {@code /run}, {@code /opt}, {@code /srv}, {@code /mnt} and {@code /media} are
 * not bound at all: no other sandbox's workspace and no host Unix socket is reachable.
 *
 * <p>Hiding the few private entries, rather than binding each public one, keeps the mounts per
 * command at about a dozen instead of well over a hundred, each of which costs every command
 * start time. {@code /etc} is examined once, when the first command starts.
 */
final class HostView {

  /** Read-only system directories; symbolic links among them (merged /usr) are kept as links. */
  static final List<String> SYSTEM_DIRS =
      List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
  static final String ETC = "/etc";
  private static final String EMPTY_FILE = "/dev/null";

  /** Bounds the walk of {@code /etc}; a directory beyond the bounds is hidden, never exposed. */
  private static final int MAX_DEPTH = 8;
  private static final int MAX_ENTRIES = 20_000;

  private final List<String> args = new ArrayList<>();
  private int entries;

  private HostView() {
  }

  /** Computes the arguments for this host. Reads directory listings; takes milliseconds. */
  static List<String> bubblewrapArguments() {
    HostView view = new HostView();
    for (String dir : SYSTEM_DIRS) {
      view.systemDir(Path.of(dir));
    }
    Path etc = Path.of(ETC);
    PosixFileAttributes attributes = attributes(etc);
    if (attributes != null && attributes.isDirectory() && isPublicDirectory(attributes)) {
      view.add("--ro-bind", ETC, ETC);
      view.hidePrivateEntries(etc, 0);
    }
    return List.copyOf(view.args);
  }

  private void systemDir(Path dir) {
    if (Files.isSymbolicLink(dir)) {
      try {
        add("--symlink", Files.readSymbolicLink(dir).toString(), dir.toString());
      } catch (IOException ignored) {
        // Unreadable link: leave it out.
      }
    } else if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      add("--ro-bind", dir.toString(), dir.toString());
    }
  }

  private void hidePrivateEntries(Path dir, int depth) {
    TreeMap<String, Path> children = new TreeMap<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
      for (Path child : listing) {
        children.put(child.getFileName().toString(), child);
      }
    } catch (IOException e) {
      hideDirectory(dir);
      return;
    }
    entries += children.size();
    boolean exhausted = entries > MAX_ENTRIES;
    for (Path child : children.values()) {
      PosixFileAttributes attributes = attributes(child);
      if (attributes == null || attributes.isSymbolicLink()) {
        // A link leads to what the sandbox sees at its target; nothing to hide here.
        continue;
      }
      if (attributes.isDirectory()) {
        if (!isPublicDirectory(attributes) || depth + 1 >= MAX_DEPTH || exhausted) {
          hideDirectory(child);
        } else {
          hidePrivateEntries(child, depth + 1);
        }
      } else if (!attributes.isRegularFile()
          || !attributes.permissions().contains(PosixFilePermission.OTHERS_READ)) {
        // Secrets, and sockets, pipes and devices, which a sandbox has no business with.
        add("--ro-bind", EMPTY_FILE, child.toString());
      }
    }
  }

  private void hideDirectory(Path dir) {
    add("--tmpfs", dir.toString(), "--remount-ro", dir.toString());
  }

  private static boolean isPublicDirectory(PosixFileAttributes attributes) {
    Set<PosixFilePermission> permissions = attributes.permissions();
    return permissions.contains(PosixFilePermission.OTHERS_READ)
        && permissions.contains(PosixFilePermission.OTHERS_EXECUTE);
  }

  private static PosixFileAttributes attributes(Path path) {
    try {
      return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private void add(String... values) {
    args.addAll(List.of(values));
  }
}
