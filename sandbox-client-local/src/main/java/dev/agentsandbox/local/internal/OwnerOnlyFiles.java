package dev.agentsandbox.local.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes files that hold a secret, such as a kubeconfig with a token. */
public final class OwnerOnlyFiles {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerOnlyFiles.class);

  private OwnerOnlyFiles() {
  }

  /**
   * Writes {@code content} to {@code file}, replacing it, so that only the owner can read it:
   * on a POSIX file system the content goes to a new file created with mode {@code 0600} in the
   * same directory (the mode is set at creation, so there is no moment in which others could
   * open it), which then replaces {@code file} in one rename. The rename replaces a symbolic
   * link at {@code file} instead of writing through it, and a file of the old, maybe more open,
   * mode is never written to. Elsewhere the file gets the directory's default permissions and
   * a warning is logged.
   *
   * @throws IOException if the file cannot be written; no temporary file is left then
   */
  public static void write(Path file, String content) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] ownerOnly = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    if (!posix) {
      LOG.warn("{} is not on a POSIX file system: it may be readable by other users of this machine, "
          + "and it holds the cluster's credential", target);
    }
    Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", ownerOnly);
    try {
      Files.writeString(temp, content, StandardCharsets.UTF_8);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
