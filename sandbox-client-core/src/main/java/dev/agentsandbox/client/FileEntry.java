package dev.agentsandbox.client;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a directory listing in a sandbox. Entries from {@link SandboxFiles#list(String)}
 * have been checked: the name is a single path segment (not empty, {@code .} or {@code ..}, no
 * {@code /}, no control characters, at most 255 UTF-8 bytes) and unique in its listing, the
 * size is not negative; a listing with any other entry is rejected whole.
 *
 * @param name the entry's name within the listed directory
 * @param size size in bytes as reported by the runtime
 * @param type whether the entry is a file or a directory
 * @param modifiedTime last modification time
 * @since 0.1.0
 */
public record FileEntry(String name, long size, Type type, Instant modifiedTime) {
  /**
   * Creates an entry.
   *
   * @param name entry name
   * @param size size in bytes
   * @param type file or directory
   * @param modifiedTime last modification time
   * @throws NullPointerException if any argument is null
   */
  public FileEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(modifiedTime, "modifiedTime");
  }

  /**
   * Whether this entry is a directory.
   *
   * @return {@code type() == Type.DIRECTORY}
   */
  public boolean isDirectory() {
    return type == Type.DIRECTORY;
  }

  /**
   * Kind of a {@link FileEntry}: the runtime calls every entry a {@code file} or a
   * {@code directory}; a listing with any other type is rejected.
   *
   * @since 0.1.0
   */
  public enum Type {
    /** A regular file (or anything that is not a directory). */
    FILE,
    /** A directory. */
    DIRECTORY
  }
}
