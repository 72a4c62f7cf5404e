package dev.agentsandbox.local.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadPlacementTest {
  @TempDir
  Path root;

  private Path base() throws Exception {
    return Files.createDirectories(root.resolve("base")).toRealPath();
  }

  @Test
  void uploadLandsAtItsDestinationWithDirectoriesCreated() throws Exception {
    Path base = base();
    Path temp = UploadPlacement.newTempFile(base);
    Files.writeString(temp, "data");

    UploadPlacement.moveIntoPlace(base, temp, Path.of("a/b/c.txt"));

    assertEquals("data", Files.readString(base.resolve("a/b/c.txt")));
    assertFalse(Files.exists(temp));
  }

  @Test
  void directorySwappedForALinkOutsideIsRefusedAndNothingIsWrittenThere() throws Exception {
    Path base = base();
    Path outside = Files.createDirectories(root.resolve("outside"));
    // What a command in the sandbox can do after the path was checked.
    Files.createSymbolicLink(base.resolve("dir"), outside);
    Path temp = UploadPlacement.newTempFile(base);
    Files.writeString(temp, "payload");

    assertThrows(AccessDeniedException.class,
        () -> UploadPlacement.moveIntoPlace(base, temp, Path.of("dir/escaped.txt")));

    assertFalse(Files.exists(outside.resolve("escaped.txt")));
  }

  @Test
  void destinationThatIsALinkIsReplacedNotFollowed() throws Exception {
    Path base = base();
    Path secret = Files.writeString(root.resolve("secret.txt"), "keep");
    Files.createSymbolicLink(base.resolve("link.txt"), secret);
    Path temp = UploadPlacement.newTempFile(base);
    Files.writeString(temp, "new");

    UploadPlacement.moveIntoPlace(base, temp, Path.of("link.txt"));

    assertEquals("keep", Files.readString(secret));
    assertFalse(Files.isSymbolicLink(base.resolve("link.txt")));
    assertTrue(Files.isRegularFile(base.resolve("link.txt")));
    assertEquals("new", Files.readString(base.resolve("link.txt")));
  }
}
