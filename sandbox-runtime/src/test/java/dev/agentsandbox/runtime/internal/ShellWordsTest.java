package dev.agentsandbox.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected values are what Python's shlex.split returns for the same input. */
class ShellWordsTest {

  @Test
  void splitsOnRunsOfBlanksTabsAndNewlines() {
    assertEquals(List.of("a", "b", "c"), ShellWords.split("a b  c"));
    assertEquals(List.of("a", "b", "c"), ShellWords.split("\ta\n b\r\nc "));
    assertEquals(List.of(), ShellWords.split("   "));
    assertEquals(List.of(), ShellWords.split(""));
  }

  @Test
  void singleQuotesKeepEverythingLiterally() {
    assertEquals(List.of("a b", "c"), ShellWords.split("'a b' c"));
    assertEquals(List.of("a\\b"), ShellWords.split("'a\\b'"));
    assertEquals(List.of("its"), ShellWords.split("'it''s'"));
  }

  @Test
  void doubleQuotesOnlyLetBackslashEscapeBackslashAndQuote() {
    assertEquals(List.of("a \"b\" \\ \\$x `y` \\n"),
        ShellWords.split("\"a \\\"b\\\" \\\\ \\$x `y` \\n\""));
  }

  @Test
  void backslashOutsideQuotesEscapesAnyCharacter() {
    assertEquals(List.of("a b'c\"d"), ShellWords.split("a\\ b\\'c\\\"d"));
    assertEquals(List.of("a\nb"), ShellWords.split("a\\\nb"));
  }

  @Test
  void adjacentQuotedPartsFormOneWordAndEmptyQuotesAnEmptyWord() {
    assertEquals(List.of("abcd"), ShellWords.split("a\"b\"'c'd"));
    assertEquals(List.of(""), ShellWords.split("''"));
    assertEquals(List.of(""), ShellWords.split("\"\""));
    assertEquals(List.of("a", "", "b"), ShellWords.split("a '' b"));
  }

  @Test
  void shellOperatorsVariablesAndCommentsAreOrdinaryCharacters() {
    assertEquals(List.of("echo", "a|b", "&&", "c", ">", "d", "$HOME"),
        ShellWords.split("echo a|b && c > d $HOME"));
    assertEquals(List.of("a#b", "#c"), ShellWords.split("a#b #c"));
  }

  @Test
  void unterminatedQuoteOrTrailingBackslashIsAnErrorWithShlexMessage() {
    assertEquals("No closing quotation",
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("it's")).getMessage());
    assertEquals("No closing quotation",
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("\"abc")).getMessage());
    assertEquals("No escaped character",
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("abc\\")).getMessage());
    assertEquals("No escaped character",
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("\"abc\\")).getMessage());
  }
}
