package dev.agentsandbox.local.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
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

  @Test
  void relativeAndLeadingSlashPathsResolveUnderTheBase() throws IOException {
    assertEquals(base.resolve("a/b.txt"), paths.resolve("a/b.txt"));
    assertEquals(base.resolve("etc/passwd"), paths.resolve("/etc/passwd"));
    assertEquals(base.resolve("etc/passwd"), paths.resolve("//etc/./passwd"));
    assertEquals(base, paths.resolve(""));
    assertEquals(base.resolve("a"), paths.resolve("a/b/.."));
  }

  @Test
  void dotDotLeavingTheBaseIsDenied() {
    assertThrows(AccessDeniedException.class, () -> paths.resolve("../x"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("a/../../x"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("/.."));
  }

  @Test
  void symlinksAreFollowedAndMayNotPointOutside() throws IOException {
    Files.createDirectory(base.resolve("real"));
    Files.createSymbolicLink(base.resolve("inner"), base.resolve("real"));
    Files.createSymbolicLink(base.resolve("relative"), Path.of("real"));
    Files.createSymbolicLink(base.resolve("escape"), outside);
    Files.createSymbolicLink(base.resolve("dangling"), outside.resolve("missing"));

    assertEquals(base.resolve("real/f"), paths.resolve("inner/f"));
    assertEquals(base.resolve("real/f"), paths.resolve("relative/f"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("escape"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("escape/f"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("dangling"));
  }

  @Test
  void symlinkLoopsAreDenied() throws IOException {
    Files.createSymbolicLink(base.resolve("loop"), Path.of("loop"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("loop/x"));
  }

  @Test
  void controlCharactersAreDenied() {
    assertThrows(AccessDeniedException.class, () -> paths.resolve("a\0b"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("a\nb"));
    assertThrows(AccessDeniedException.class, () -> paths.resolve("a\u007fb"));
  }
}
