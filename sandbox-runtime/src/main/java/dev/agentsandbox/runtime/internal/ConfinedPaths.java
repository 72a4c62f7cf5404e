package dev.agentsandbox.runtime.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Finds the files clients name under the base directory without ever reaching outside it.
 *
 * <p>Commands in the sandbox change the base directory while the runtime works in it, and the
 * runtime runs outside the sandbox: a check of a path followed by an open of the same path lets
 * a command swap a directory for a symbolic link in between and make the runtime read or write
 * a host file. Every lookup here therefore walks from an open handle of the base directory, one
 * component at a time, opening each directory relative to its parent without following links
 * ({@code openat} with {@code O_NOFOLLOW}, through {@link SecureDirectoryStream}). Whatever a
 * command does meanwhile, the walk stays within directories it has opened from the base.
 *
 * <p>Resolution follows {@code os.path.realpath} as the reference runtime does: a leading
 * {@code /} is dropped, {@code ..} steps up from what has been resolved so far, and a symbolic
 * link is replaced by its target, which is walked the same way; an absolute target must name a
 * path under the base directory. Stepping above the base directory, or a link whose target does,
 * is refused with {@link AccessDeniedException}, as is a link that changes while it is read;
 * unlike {@code realpath}, a path that leaves the base directory and comes back into it (such as
 * {@code ../base/x}) is refused too. Links are thus followed only within the base directory, and
 * the final open of a file or directory never follows one.
 */
public final class ConfinedPaths {

  private static final int MAX_SYMLINKS = 40;
  /** Attempts to create one directory that a command keeps taking away meanwhile. */
  private static final int MAX_CREATE_ATTEMPTS = 10;
  private static final String MKDIR_PREFIX = ".sandbox-mkdir-";
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

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
   * Finds what {@code given} names under the base directory. The result may name a missing
   * file; it holds open directory handles until closed.
   *
   * @throws AccessDeniedException if the path contains a control character (such as NUL),
   *     leads outside the base directory, or changed into a link while it was walked
   */
  public Location locate(String given) throws IOException {
    return locate(given, false);
  }

  /**
   * As {@link #locate(String)}, creating the missing directories on the way to the final
   * component. New directories are made in the base directory and renamed into their parent's
   * handle, so none is ever created through a link.
   *
   * @throws NotDirectoryException if a component before the last is an existing non-directory
   */
  public Location locateCreatingDirectories(String given) throws IOException {
    return locate(given, true);
  }

  private Location locate(String given, boolean createDirectories) throws IOException {
    for (int i = 0; i < given.length(); i++) {
      char c = given.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new AccessDeniedException(given, null, "control character in path");
      }
    }
    Deque<String> pending = new ArrayDeque<>();
    pushComponents(pending, given);
    Walk walk = new Walk(given);
    try {
      int links = 0;
      int failedCreations = 0;
      while (true) {
        String name = nextComponent(pending);
        if (name == null) {
          return walk.finish(null, walk.dir().getFileAttributeView(BasicFileAttributeView.class)
              .readAttributes());
        }
        if (name.equals("..")) {
          walk.up();
          continue;
        }
        Path entry = Path.of(name);
        BasicFileAttributes attributes = lstat(walk.dir(), entry);
        if (attributes != null && attributes.isSymbolicLink()) {
          if (++links > MAX_SYMLINKS) {
            throw new AccessDeniedException(given, null, "too many symbolic links");
          }
          String target = walk.readLink(entry, attributes);
          if (target.startsWith("/")) {
            walk.toBase();
            target = underBase(target, given);
          }
          pushComponents(pending, target);
          continue;
        }
        if (!hasNext(pending)) {
          return walk.finish(entry, attributes);
        }
        if (attributes == null || !attributes.isDirectory()) {
          // Nothing to walk into: what follows can only be checked as text.
          walk.checkStaysInside(pending);
        }
        if (attributes == null) {
          if (!createDirectories) {
            return walk.finish(entry, null);
          }
          IOException failure = createDirectory(walk.root(), walk.dir(), entry);
          if (failure != null && ++failedCreations > MAX_CREATE_ATTEMPTS) {
            throw failure;
          }
          pending.push(name); // look again: it may be a link if a command was faster
          continue;
        }
        if (!attributes.isDirectory()) {
          if (!createDirectories) {
            return walk.finish(entry, null);
          }
          throw new NotDirectoryException(given);
        }
        walk.down(entry, name);
      }
    } catch (RuntimeException | IOException e) {
      walk.close();
      throw e;
    }
  }

  /** Drops leading empty and {@code .} components; true if a real one remains. */
  private static boolean hasNext(Deque<String> pending) {
    while (!pending.isEmpty() && (pending.peek().isEmpty() || pending.peek().equals("."))) {
      pending.pop();
    }
    return !pending.isEmpty();
  }

  /** The next component that is neither empty nor {@code .}; null if none. */
  private static String nextComponent(Deque<String> pending) {
    return hasNext(pending) ? pending.pop() : null;
  }

  /** Pushes the components of {@code path} so that the first one is popped next. */
  private static void pushComponents(Deque<String> pending, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      pending.push(parts[i]);
    }
  }

  private String underBase(String absoluteTarget, String given) throws AccessDeniedException {
    Path target = Path.of(absoluteTarget);
    if (!target.startsWith(base)) {
      throw new AccessDeniedException(given, null, "a symbolic link leads outside the base "
          + "directory");
    }
    return base.relativize(target).toString();
  }

  /** Attributes of {@code entry} in {@code dir}, not following a link; null if missing. */
  static BasicFileAttributes lstat(SecureDirectoryStream<Path> dir, Path entry)
      throws IOException {
    try {
      // POSIX attributes where the file system has them (the same lstat), for the permissions.
      PosixFileAttributeView posix = dir.getFileAttributeView(entry, PosixFileAttributeView.class, NOFOLLOW);
      if (posix != null) {
        return posix.readAttributes();
      }
      return dir.getFileAttributeView(entry, BasicFileAttributeView.class, NOFOLLOW)
          .readAttributes();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Creates directory {@code entry} in {@code dir}: made in the base directory, whose own path
   * no command can redirect, then renamed into {@code dir} by handle. The caller looks at the
   * name again either way: a command may have been faster.
   *
   * @return why the rename failed, or null
   */
  private IOException createDirectory(SecureDirectoryStream<Path> root,
      SecureDirectoryStream<Path> dir, Path entry) throws IOException {
    Path fresh = Path.of(MKDIR_PREFIX + UUID.randomUUID());
    Files.createDirectory(base.resolve(fresh));
    try {
      root.move(fresh, dir, entry);
      return null;
    } catch (IOException e) {
      try {
        root.deleteDirectory(fresh);
      } catch (IOException ignored) {
        // A command put something into it; it stays the sandbox's.
      }
      return e;
    }
  }

  /** The directories opened so far, from the base down, and their names. */
  private final class Walk {
    private final String given;
    private final List<SecureDirectoryStream<Path>> chain = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    Walk(String given) throws IOException {
      this.given = given;
      DirectoryStream<Path> opened = Files.newDirectoryStream(base);
      if (!(opened instanceof SecureDirectoryStream<Path> root)) {
        opened.close();
        throw new FileSystemException(base.toString(), null, "this platform cannot open files "
            + "relative to a directory handle, which the runtime needs to confine file access");
      }
      chain.add(root);
    }

    SecureDirectoryStream<Path> root() {
      return chain.get(0);
    }

    SecureDirectoryStream<Path> dir() {
      return chain.get(chain.size() - 1);
    }

    void down(Path entry, String name) throws IOException {
      SecureDirectoryStream<Path> child = openDirectory(dir(), entry, given);
      chain.add(child);
      names.add(name);
    }

    /** Refuses {@code ..} components in {@code rest} that would climb above the base. */
    void checkStaysInside(Deque<String> rest) throws AccessDeniedException {
      int depth = chain.size() + 1; // below the entry that is not walked into
      for (String name : rest) {
        if (name.equals("..")) {
          if (--depth < 1) {
            throw new AccessDeniedException(given, null, "outside the base directory");
          }
        } else if (!name.isEmpty() && !name.equals(".")) {
          depth++;
        }
      }
    }

    void up() throws IOException {
      if (chain.size() == 1) {
        throw new AccessDeniedException(given, null, "outside the base directory");
      }
      chain.remove(chain.size() - 1).close();
      names.remove(names.size() - 1);
    }

    void toBase() throws IOException {
      while (chain.size() > 1) {
        up();
      }
    }

    /**
     * Reads a link found by handle. Java reads links only by path; the path of the current
     * directory is rebuilt from the names walked and the link must be the same file (same
     * device and inode) before and after the read, or the lookup is refused. The target only
     * steers the rest of this walk, so even a mismatch missed here reaches nothing outside.
     */
    String readLink(Path entry, BasicFileAttributes found) throws IOException {
      Path link = base;
      for (String name : names) {
        link = link.resolve(name);
      }
      link = link.resolve(entry);
      Object key = found.fileKey();
      try {
        if (key != null && key.equals(Files.readAttributes(link, BasicFileAttributes.class,
            NOFOLLOW).fileKey())) {
          String target = Files.readSymbolicLink(link).toString();
          if (key.equals(Files.readAttributes(link, BasicFileAttributes.class, NOFOLLOW)
              .fileKey())) {
            return target;
          }
        }
      } catch (IOException e) {
        // Changed meanwhile, as below.
      }
      throw new AccessDeniedException(given, null, "'" + entry + "' changed while resolved");
    }

    Location finish(Path entry, BasicFileAttributes attributes) {
      return new Location(List.copyOf(chain), List.copyOf(names), entry, attributes);
    }

    void close() {
      closeAll(chain);
    }
  }

  /**
   * Opens directory {@code entry} of {@code dir} without following a link. Java cannot open with
   * {@code O_DIRECTORY}: a FIFO swapped in since the lookup blocks the open until released (see
   * {@link FileWorkers}), and is then refused.
   */
  private static SecureDirectoryStream<Path> openDirectory(SecureDirectoryStream<Path> dir,
      Path entry, String given) throws IOException {
    try (FileWorkers.Opening ignored = FileWorkers.opening(dir, entry)) {
      return dir.newDirectoryStream(entry, NOFOLLOW);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (NotDirectoryException e) {
      throw new ChangedWhileOpenedException(given, "not a directory");
    } catch (IOException e) {
      throw swapped(dir, entry, given, e);
    }
  }

  /**
   * What was looked up as a regular file or a directory was something else by the time it was
   * opened: a command replaced it meanwhile (with a FIFO, for instance).
   */
  public static final class ChangedWhileOpenedException extends FileSystemException {
    ChangedWhileOpenedException(String given, String what) {
      super(given, null, what + " when opened: it was replaced while being opened");
    }
  }

  /**
   * The error for an open with {@code O_NOFOLLOW} of an entry that was no link when looked up:
   * refused if a command has swapped it for a link meanwhile (ELOOP), else {@code error} itself.
   */
  private static IOException swapped(SecureDirectoryStream<Path> dir, Path entry, String given,
      IOException error) {
    String message = String.valueOf(error.getMessage());
    boolean link = message.contains("NOFOLLOW_LINKS") || message.contains("symbolic link");
    try {
      BasicFileAttributes now = lstat(dir, entry);
      link |= now != null && now.isSymbolicLink();
    } catch (IOException ignored) {
      // Decided by the message alone.
    }
    return link
        ? new AccessDeniedException(given, null, "'" + entry + "' was swapped for a symbolic link")
        : error;
  }

  private static void closeAll(List<SecureDirectoryStream<Path>> chain) {
    for (int i = chain.size() - 1; i >= 0; i--) {
      try {
        chain.get(i).close();
      } catch (IOException ignored) {
        // Closing a directory handle releases it even when reporting an error.
      }
    }
  }

  /**
   * What a path names: either an entry of an opened directory, or (for paths such as
   * {@code ""} or {@code "a/.."}) that directory itself. Holds the directory handles of the walk
   * until {@linkplain #close closed}. Not thread-safe.
   */
  public static final class Location implements Closeable {
    private final List<SecureDirectoryStream<Path>> chain;
    private final List<String> names;
    private final Path entry;
    private final BasicFileAttributes attributes;

    private Location(List<SecureDirectoryStream<Path>> chain, List<String> names, Path entry,
        BasicFileAttributes attributes) {
      this.chain = chain;
      this.names = names;
      this.entry = entry;
      this.attributes = attributes;
    }

    /** Whether something existed there when looked up (never a symbolic link). */
    public boolean exists() {
      return attributes != null;
    }

    public boolean isDirectory() {
      return attributes != null && attributes.isDirectory();
    }

    public boolean isRegularFile() {
      return attributes != null && attributes.isRegularFile();
    }

    /**
     * The attributes seen at lookup, not following links.
     *
     * @throws NullPointerException if nothing {@linkplain #exists exists} there
     */
    public BasicFileAttributes attributes() {
      return Objects.requireNonNull(attributes, "missing");
    }

    /** The path from the base directory, links resolved; empty for the base itself. */
    public String relativePath() {
      List<String> all = new ArrayList<>(names);
      if (entry != null) {
        all.add(entry.toString());
      }
      return String.join("/", all);
    }

    /** The opened directory that holds the entry (or that is the location itself). */
    public SecureDirectoryStream<Path> parent() {
      return chain.get(chain.size() - 1);
    }

    /** The entry's name in {@link #parent()}; empty if the location is that directory. */
    public Path entry() {
      return entry;
    }

    /** Opens the entry for reading, refusing a link swapped in since the lookup. */
    public SeekableByteChannel openFile() throws IOException {
      Set<OpenOption> options = Set.of(StandardOpenOption.READ, NOFOLLOW);
      SeekableByteChannel channel;
      try (FileWorkers.Opening ignored = FileWorkers.opening(parent(), entry)) {
        channel = parent().newByteChannel(entry, options);
      } catch (NoSuchFileException | AccessDeniedException e) {
        throw e;
      } catch (IOException e) {
        throw swapped(parent(), entry, relativePath(), e);
      }
      try {
        // A FIFO (or socket) swapped in since the lookup cannot seek; a regular file can.
        channel.position();
        return channel;
      } catch (IOException e) {
        channel.close();
        throw new ChangedWhileOpenedException(relativePath(), "not a regular file");
      }
    }

    /** Opens the location as a directory stream of its own; the caller closes it. */
    public SecureDirectoryStream<Path> openDirectory() throws IOException {
      return ConfinedPaths.openDirectory(parent(), entry == null ? Path.of(".") : entry,
          relativePath());
    }

    @Override
    public void close() {
      closeAll(chain);
    }
  }
}
