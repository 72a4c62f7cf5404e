package dev.agentsandbox.local.runtime.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Puts an uploaded file in place without following symbolic links.
 *
 * <p>Commands in the sandbox may run while a file is uploaded, and they can replace a directory
 * on the destination's path with a symbolic link after the path was checked. The runtime runs
 * outside the sandbox, so writing through such a link would write outside it. Uploads therefore
 * go to a fresh file directly in the base directory first; it is then renamed into place
 * relative to directory handles opened one component at a time, none of them through a link.
 */
final class UploadPlacement {
  private static final String TEMP_PREFIX = ".sandbox-upload-";

  private UploadPlacement() {
  }

  /** A new, unique file in {@code base} to receive an upload. */
  static Path newTempFile(Path base) throws IOException {
    return Files.createFile(base.resolve(TEMP_PREFIX + UUID.randomUUID()));
  }

  /**
   * Moves {@code temp} (a file directly in {@code base}) to {@code relativeTarget} under
   * {@code base}, creating missing directories.
   *
   * @throws AccessDeniedException if a component of the destination is a symbolic link or not a
   *     directory
   */
  static void moveIntoPlace(Path base, Path temp, Path relativeTarget) throws IOException {
    if (relativeTarget.getFileName() == null || relativeTarget.toString().isEmpty()) {
      throw new IOException("the destination is the base directory itself");
    }
    Path parent = relativeTarget.getParent();
    if (parent != null) {
      // May create empty directories through a link swapped in meanwhile; the walk below then
      // refuses that link, so no content ever lands there.
      Files.createDirectories(base.resolve(parent));
    }
    DirectoryStream<Path> opened = Files.newDirectoryStream(base);
    if (!(opened instanceof SecureDirectoryStream<Path> root)) {
      opened.close();
      Files.move(temp, base.resolve(relativeTarget), StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    List<SecureDirectoryStream<Path>> chain = new ArrayList<>();
    chain.add(root);
    try {
      SecureDirectoryStream<Path> dir = root;
      for (int i = 0; parent != null && i < parent.getNameCount(); i++) {
        try {
          dir = dir.newDirectoryStream(parent.getName(i), LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
          if (e instanceof NoSuchFileException) {
            throw e; // removed meanwhile: an ordinary failure
          }
          throw new AccessDeniedException(relativeTarget.toString(), null,
              "'" + parent.getName(i) + "' is not a directory");
        }
        chain.add(dir);
      }
      root.move(temp.getFileName(), dir, relativeTarget.getFileName());
    } finally {
      for (SecureDirectoryStream<Path> d : chain) {
        d.close();
      }
    }
  }
}
