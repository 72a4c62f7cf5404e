package dev.agentsandbox.local.runtime.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Maps paths given by clients to files under the base directory, refusing anything that would
 * land outside it.
 *
 * <p>Resolution follows {@code os.path.realpath} as the reference runtime does: a leading
 * {@code /} is dropped, components are walked one at a time from the (real) base directory,
 * {@code ..} steps up from what has been resolved so far, and symbolic links are replaced by
 * their targets. The result therefore contains no symbolic links among its existing components
 * at the time of the check. Commands running meanwhile can change that; uploads are therefore
 * put in place without following links ({@link UploadPlacement}), while reads of a swapped path
 * show nothing a sandboxed command could not read itself.
 */
public final class ConfinedPaths {

  private static final int MAX_SYMLINKS = 40;

  private final Path base;

  /** {@code base} must be a real path (absolute, no symbolic links). */
  public ConfinedPaths(Path base) {
    this.base = base;
  }

  /** The real base directory. */
  public Path base() {
    return base;
  }

  /**
   * Resolves {@code given} under the base directory.
   *
   * @throws AccessDeniedException if the path contains a control character (such as NUL) or
   *     resolves outside the base directory
   */
  public Path resolve(String given) throws AccessDeniedException {
    for (int i = 0; i < given.length(); i++) {
      char c = given.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new AccessDeniedException(given, null, "control character in path");
      }
    }
    Deque<String> pending = new ArrayDeque<>();
    pushComponents(pending, given);
    Path current = base;
    int links = 0;
    try {
      while (!pending.isEmpty()) {
        String name = pending.pop();
        if (name.isEmpty() || name.equals(".")) {
          continue;
        }
        if (name.equals("..")) {
          Path parent = current.getParent();
          current = parent == null ? current : parent;
          continue;
        }
        Path next = current.resolve(name);
        if (Files.isSymbolicLink(next)) {
          if (++links > MAX_SYMLINKS) {
            throw new AccessDeniedException(given, null, "too many symbolic links");
          }
          String target = Files.readSymbolicLink(next).toString();
          if (target.startsWith("/")) {
            current = current.getRoot();
          }
          pushComponents(pending, target);
          continue;
        }
        current = next;
      }
    } catch (InvalidPathException | IOException e) {
      if (e instanceof AccessDeniedException) {
        throw (AccessDeniedException) e;
      }
      throw new AccessDeniedException(given, null, e.getMessage());
    }
    if (!current.startsWith(base)) {
      throw new AccessDeniedException(given, null, "outside the base directory");
    }
    return current;
  }

  /** Pushes the components of {@code path} so that the first one is popped next. */
  private static void pushComponents(Deque<String> pending, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      pending.push(parts[i]);
    }
  }
}
