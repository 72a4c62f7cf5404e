package dev.agentsandbox.runtime.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The entries of a directory under the base directory, as {@code GET /list} reports them.
 *
 * <p>Entries are examined through the opened directory's handle without following links. A
 * symbolic link is reported as what it leads to only if it leads, within the base directory, to
 * something that exists (looked up like any client path, see {@link ConfinedPaths}); a link that
 * leads outside, loops or dangles is reported as itself: a {@code file} with the link's own size
 * and time. Nothing about a file outside the base directory, not even whether it exists, shows
 * in a listing.
 */
final class DirectoryListing {

  /** One entry: its name in the directory, size in bytes and modification time. */
  record Entry(String name, long size, boolean directory, long modifiedMicros,
      Set<PosixFilePermission> permissions) {
  }

  private DirectoryListing() {
  }

  /**
   * Lists {@code given}, sorted by name. Blocks.
   *
   * @return null if {@code given} is not a directory
   */
  static List<Entry> list(ConfinedPaths paths, String given) throws IOException {
    return list(paths, given, false);
  }

  /**
   * As {@link #list(ConfinedPaths, String)}; with {@code reachableOnly}, a link that leads
   * outside, loops or dangles is left out instead (as sandboxd lists).
   */
  static List<Entry> list(ConfinedPaths paths, String given, boolean reachableOnly)
      throws IOException {
    try (ConfinedPaths.Location location = paths.locate(given)) {
      if (!location.isDirectory()) {
        return null;
      }
      String dirPath = location.relativePath();
      try (SecureDirectoryStream<Path> dir = location.openDirectory()) {
        List<String> names = new ArrayList<>();
        for (Path child : dir) {
          names.add(child.getFileName().toString());
        }
        names.sort(null);
        List<Entry> entries = new ArrayList<>(names.size());
        for (String name : names) {
          BasicFileAttributes attributes = ConfinedPaths.lstat(dir, Path.of(name));
          if (attributes == null) {
            continue; // removed while listing
          }
          if (attributes.isSymbolicLink()) {
            BasicFileAttributes target = followWithin(paths, dirPath.isEmpty() ? name : dirPath + "/" + name);
            if (target == null && reachableOnly) {
              continue;
            }
            attributes = target != null ? target : attributes;
          }
          entries.add(new Entry(name, attributes.size(), attributes.isDirectory(),
              attributes.lastModifiedTime().to(TimeUnit.MICROSECONDS),
              attributes instanceof PosixFileAttributes posix ? posix.permissions() : null));
        }
        return entries;
      }
    }
  }

  /** The attributes of what {@code link} leads to; null if outside, looping, dangling or changed. */
  private static BasicFileAttributes followWithin(ConfinedPaths paths, String link) {
    try (ConfinedPaths.Location target = paths.locate(link)) {
      if (target.exists()) {
        return target.attributes();
      }
    } catch (IOException e) {
      // Leads outside, loops or changed meanwhile.
    }
    return null;
  }
}
