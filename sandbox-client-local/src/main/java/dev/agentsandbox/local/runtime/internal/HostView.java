package dev.agentsandbox.local.runtime.internal;

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
 * directories read-only, and of {@code /etc} only what every local user may read.
 *
 * <p>Why not the whole host read-only: as root, a command in a user namespace still owns every
 * root-owned file, so any file that is bound is readable, {@code /etc/shadow} included. Binding
 * only what is public makes the sandbox see no more of the host than an unprivileged local user
 * would, whoever runs the runtime. Home directories, {@code /root}, {@code /var}, {@code /run},
 * {@code /opt}, {@code /srv}, {@code /mnt} and {@code /media} are not bound at all: no other
 * sandbox's workspace and no host Unix socket is reachable.
 */
final class HostView {

  /** Read-only system directories; symbolic links among them (merged /usr) are kept as links. */
  static final List<String> SYSTEM_DIRS =
      List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
  static final String ETC = "/etc";

  /** Bounds the walk of {@code /etc}; what lies beyond is left out, never exposed. */
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
    if (isPublicDirectory(etc)) {
      List<String> curated = view.publicPart(etc, 0);
      if (curated == null) {
        view.add("--ro-bind", ETC, ETC);
      } else {
        view.args.addAll(curated);
      }
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

  /**
   * Returns null when everything under {@code dir} is readable by every user (bind it whole),
   * else the arguments that recreate only its public entries.
   */
  private List<String> publicPart(Path dir, int depth) {
    TreeMap<String, Path> children = new TreeMap<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
      for (Path child : listing) {
        if (++entries > MAX_ENTRIES) {
          return List.of("--dir", dir.toString());
        }
        children.put(child.getFileName().toString(), child);
      }
    } catch (IOException e) {
      return List.of("--dir", dir.toString());
    }
    List<String> curated = new ArrayList<>();
    curated.add("--dir");
    curated.add(dir.toString());
    boolean whole = true;
    for (Path child : children.values()) {
      String path = child.toString();
      PosixFileAttributes attributes = attributes(child);
      if (attributes == null) {
        whole = false;
      } else if (attributes.isSymbolicLink()) {
        try {
          curated.addAll(List.of("--symlink", Files.readSymbolicLink(child).toString(), path));
        } catch (IOException e) {
          whole = false;
        }
      } else if (attributes.isDirectory()) {
        if (!publicDirectory(attributes) || depth + 1 >= MAX_DEPTH) {
          whole = false;
          continue;
        }
        List<String> inner = publicPart(child, depth + 1);
        if (inner == null) {
          curated.addAll(List.of("--ro-bind", path, path));
        } else {
          whole = false;
          curated.addAll(inner);
        }
      } else if (attributes.isRegularFile()
          && attributes.permissions().contains(PosixFilePermission.OTHERS_READ)) {
        curated.addAll(List.of("--ro-bind", path, path));
      } else {
        // Secrets, and sockets, pipes and devices, which a sandbox has no business with.
        whole = false;
      }
    }
    return whole ? null : curated;
  }

  private static boolean isPublicDirectory(Path dir) {
    PosixFileAttributes attributes = attributes(dir);
    return attributes != null && attributes.isDirectory() && publicDirectory(attributes);
  }

  private static boolean publicDirectory(PosixFileAttributes attributes) {
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
