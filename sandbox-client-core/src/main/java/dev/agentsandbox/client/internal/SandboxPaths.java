package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.InvalidSandboxPathException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Client-side normalisation of sandbox paths, before anything is sent: the result is relative
 * to the runtime's base directory, has no empty or {@code .} segments and never a {@code ..}
 * segment. The runtime checks again; checking here gives a clear error and never sends an
 * escaping path over the wire.
 */
public final class SandboxPaths {
  /** Longest accepted path, in UTF-8 bytes (PATH_MAX on Linux). */
  static final int MAX_BYTES = 4096;

  private SandboxPaths() {
  }

  /**
   * Normalises a path naming a file.
   *
   * @return a non-empty relative path such as {@code dir/file.txt}
   * @throws InvalidSandboxPathException if the path escapes, has control characters or is empty
   */
  public static String file(String path, SandboxRef ref) {
    String normalised = normalise(path, ref);
    if (normalised.isEmpty()) {
      throw invalid(path, "it names the base directory, not a file", ref);
    }
    return normalised;
  }

  /**
   * Normalises the destination of an upload: as {@link #file}, and without a double quote. The
   * path travels as the multipart filename, where a {@code "} can only be sent as {@code %22},
   * which runtimes store literally: the file would silently get another name.
   *
   * @throws InvalidSandboxPathException if {@link #file} rejects the path or it has a {@code "}
   */
  public static String upload(String path, SandboxRef ref) {
    String normalised = file(path, ref);
    if (normalised.indexOf('"') >= 0) {
      throw invalid(path, "it contains a double quote, which an upload cannot carry", ref);
    }
    return normalised;
  }

  /**
   * Normalises a path naming a directory (or anything, for existence checks). The base
   * directory itself is the empty path, sent as {@code /list/}: the runtime resolves an empty
   * path to its base directory, while a {@code .} segment would be dropped by URL
   * normalisation anyway.
   *
   * @throws InvalidSandboxPathException if the path escapes or has control characters
   */
  public static String directory(String path, SandboxRef ref) {
    return normalise(path, ref);
  }

  static String normalise(String path, SandboxRef ref) {
    if (path == null) {
      throw invalid(null, "it is null", ref);
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == 0) {
        throw invalid(path, "it contains a NUL character", ref);
      }
      if (Character.isISOControl(c)) {
        throw invalid(path, "it contains a control character", ref);
      }
    }
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw invalid(path, "it is longer than " + MAX_BYTES + " bytes", ref);
    }
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        throw invalid(path, "it contains a '..' segment", ref);
      }
      segments.add(segment);
    }
    return String.join("/", segments);
  }

  private static InvalidSandboxPathException invalid(String path, String problem, SandboxRef ref) {
    return new InvalidSandboxPathException(path, problem, ref.claimName(), ref.namespace());
  }
}
