package dev.agentsandbox.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfinedPathsTest {

  @TempDir
  Path temp;

  Path base;
  Path outside;
  ConfinedPaths paths;

  @BeforeEach
  void setUp() throws IOException {
    base = Files.createDirectory(temp.resolve("base")).toRealPath();
    outside = Files.createDirectory(temp.resolve("outside")).toRealPath();
    paths = new ConfinedPaths(base);
  }

  String located(String given) throws IOException {
    try (ConfinedPaths.Location location = paths.locate(given)) {
      return location.relativePath();
    }
  }

  String read(String given) throws IOException {
    try (ConfinedPaths.Location location = paths.locate(given);
        SeekableByteChannel channel = location.openFile()) {
      ByteBuffer bytes = ByteBuffer.allocate(100);
      channel.read(bytes);
      return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void relativeAndLeadingSlashPathsResolveUnderTheBase() throws IOException {
    Files.createDirectories(base.resolve("a/b"));
    Files.createDirectories(base.resolve("etc"));

    assertEquals("a/b.txt", located("a/b.txt"));
    assertEquals("etc/passwd", located("/etc/passwd"));
    assertEquals("etc/passwd", located("//etc/./passwd"));
    assertEquals("", located(""));
    assertEquals("a", located("a/b/.."));
    assertEquals("a/b", located("a/b/"));
  }

  @Test
  void missingPathsAreFoundMissing() throws IOException {
    try (ConfinedPaths.Location location = paths.locate("no/such/file")) {
      assertFalse(location.exists());
    }
    Files.writeString(base.resolve("file"), "x");
    try (ConfinedPaths.Location location = paths.locate("file/below")) {
      assertFalse(location.exists());
    }
  }

  @Test
  void dotDotLeavingTheBaseIsDenied() {
    assertThrows(AccessDeniedException.class, () -> paths.locate("../x"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("a/../../x"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("/.."));
  }

  @Test
  void symlinksAreFollowedAndMayNotPointOutside() throws IOException {
    Files.createDirectory(base.resolve("real"));
    Files.writeString(base.resolve("real/f"), "real f");
    Files.createSymbolicLink(base.resolve("inner"), base.resolve("real"));
    Files.createSymbolicLink(base.resolve("relative"), Path.of("real"));
    Files.createSymbolicLink(base.resolve("escape"), outside);
    Files.createSymbolicLink(base.resolve("dangling"), outside.resolve("missing"));
    Files.createSymbolicLink(base.resolve("up"), Path.of("../base/real"));

    assertEquals("real/f", located("inner/f"));
    assertEquals("real/f", located("relative/f"));
    assertEquals("real f", read("relative/f"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("escape"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("escape/f"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("dangling"));
    // Realpath would come back in; stepping above the base is refused even on the way.
    assertThrows(AccessDeniedException.class, () -> paths.locate("up/f"));
  }

  @Test
  void symlinkLoopsAreDenied() throws IOException {
    Files.createSymbolicLink(base.resolve("loop"), Path.of("loop"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("loop/x"));
  }

  @Test
  void controlCharactersAreDenied() {
    assertThrows(AccessDeniedException.class, () -> paths.locate("a\0b"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("a\nb"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("a\u007fb"));
  }

  @Test
  void directoriesAreCreatedOnTheWayAndNoneIsLeftInTheBase() throws IOException {
    try (ConfinedPaths.Location location = paths.locateCreatingDirectories("a/b/c.txt")) {
      assertFalse(location.exists());
      assertEquals("a/b/c.txt", location.relativePath());
    }

    assertTrue(Files.isDirectory(base.resolve("a/b")));
    try (var entries = Files.list(base)) {
      assertEquals(1, entries.count(), "a stray temporary directory");
    }
  }

  @Test
  void dotDotAfterAMissingDirectoryIsCheckedBeforeAnythingIsCreated() throws IOException {
    try (ConfinedPaths.Location location = paths.locateCreatingDirectories("new/../x.txt")) {
      assertEquals("x.txt", location.relativePath());
    }
    assertThrows(AccessDeniedException.class,
        () -> paths.locateCreatingDirectories("other/../../x.txt"));
    assertThrows(AccessDeniedException.class, () -> paths.locate("missing/../../x.txt"));

    assertFalse(Files.exists(base.resolve("other")));
  }

  @Test
  void creatingDirectoriesBelowAFileFails() throws IOException {
    Files.writeString(base.resolve("file"), "x");

    assertThrows(NotDirectoryException.class,
        () -> paths.locateCreatingDirectories("file/below/x.txt"));
  }

  @Test
  void directorySwappedForALinkAfterTheLookupIsNotOpened() throws IOException {
    Files.createDirectory(base.resolve("dir"));
    Files.writeString(outside.resolve("secret"), "secret");

    try (ConfinedPaths.Location location = paths.locate("dir")) {
      // What a command in the sandbox can do after the lookup.
      Files.delete(base.resolve("dir"));
      Files.createSymbolicLink(base.resolve("dir"), outside);

      assertThrows(AccessDeniedException.class, location::openDirectory);
    }
  }

  @Test
  void fileSwappedForALinkAfterTheLookupIsNotOpened() throws IOException {
    Files.writeString(base.resolve("f"), "inside");
    Files.writeString(outside.resolve("secret"), "secret");

    try (ConfinedPaths.Location location = paths.locate("f")) {
      Files.delete(base.resolve("f"));
      Files.createSymbolicLink(base.resolve("f"), outside.resolve("secret"));

      assertThrows(AccessDeniedException.class, location::openFile);
    }
  }

  @Test
  void openDirectoriesStayTheOnesLookedUpWhenTheirPathsAreSwapped() throws IOException {
    Files.createDirectories(base.resolve("dir"));
    Files.writeString(base.resolve("dir/f"), "inside");
    Files.writeString(outside.resolve("f"), "secret");

    try (ConfinedPaths.Location location = paths.locate("dir/f")) {
      Files.move(base.resolve("dir"), base.resolve("aside"));
      Files.createSymbolicLink(base.resolve("dir"), outside);

      try (SeekableByteChannel channel = location.openFile()) {
        ByteBuffer bytes = ByteBuffer.allocate(100);
        channel.read(bytes);
        assertEquals("inside", new String(bytes.array(), 0, bytes.position(),
            StandardCharsets.UTF_8));
      }
    }
  }
}
