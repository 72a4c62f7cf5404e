package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.InvalidSandboxPathException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SandboxPathsTest {
  private static final SandboxRef REF = new SandboxRef("sandbox-claim-0123abcd", "default", "s");

  @ParameterizedTest
  @CsvSource({
      "a.txt, a.txt",
      "/abs/x, abs/x",
      "//abs//x//, abs/x",
      "./a/./b, a/b",
      "a/.../b, a/.../b",
      "'dir/with space/f', 'dir/with space/f'",
      "..hidden, ..hidden",
      "caf\u00e9/\u2603, caf\u00e9/\u2603",
      "back\\slash, back\\slash"})
  void filePathsAreNormalisedToRelativeForm(String input, String expected) {
    assertEquals(expected, SandboxPaths.file(input, REF));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/../../x", "a/../b", "..", "/..", "x/.."})
  void dotDotSegmentsAreRejectedEvenWhenTheyWouldStayInside(String path) {
    InvalidSandboxPathException e = assertThrows(InvalidSandboxPathException.class,
        () -> SandboxPaths.file(path, REF));
    assertTrue(e.getMessage().contains("'..' segment"), e.getMessage());
    assertEquals("sandbox-claim-0123abcd", e.claimName().orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\u0000b", "a\nb", "a\rb", "tab\there", "del\u007f", "c1\u0085"})
  void controlCharactersAreRejectedAndEscapedInTheMessage(String path) {
    InvalidSandboxPathException e = assertThrows(InvalidSandboxPathException.class,
        () -> SandboxPaths.file(path, REF));
    assertTrue(e.getMessage().contains("\\u00"), e.getMessage());
    assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl));
  }

  @Test
  void uploadDestinationsWithADoubleQuoteAreRejectedButCanStillBeRead() {
    InvalidSandboxPathException e = assertThrows(InvalidSandboxPathException.class,
        () -> SandboxPaths.upload("say \"hi\".txt", REF));
    assertTrue(e.getMessage().contains("double quote"), e.getMessage());
    assertEquals("say \"hi\".txt", SandboxPaths.file("say \"hi\".txt", REF));
    assertEquals("dir/a b.txt", SandboxPaths.upload("/dir/a b.txt", REF));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", ".", "./", "//"})
  void theBaseDirectoryIsNotAFileButCanBeListed(String path) {
    assertThrows(InvalidSandboxPathException.class, () -> SandboxPaths.file(path, REF));
    assertEquals("", SandboxPaths.directory(path, REF));
  }

  @Test
  void overlongPathsAndNullAreRejected() {
    assertThrows(InvalidSandboxPathException.class,
        () -> SandboxPaths.file("a/".repeat(3000), REF));
    assertThrows(InvalidSandboxPathException.class, () -> SandboxPaths.file(null, REF));
  }
}
