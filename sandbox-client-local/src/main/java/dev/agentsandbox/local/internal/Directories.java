package dev.agentsandbox.local.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removal of the local cluster's working directories. */
public final class Directories {
  private static final Logger LOG = LoggerFactory.getLogger(Directories.class);

  private Directories() {
  }

  /** Deletes {@code dir} and everything under it, if it exists; failures are logged, not thrown. */
  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("Cannot remove {}: {}", dir, e.getMessage());
    }
  }
}
