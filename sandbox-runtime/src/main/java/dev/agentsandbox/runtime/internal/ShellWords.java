package dev.agentsandbox.runtime.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words the way Python's {@code shlex.split} does in POSIX mode, which
 * is what the reference runtime uses: single quotes are literal, inside double quotes a backslash
 * only escapes {@code \} and {@code "}, outside quotes a backslash escapes any character, and
 * {@code #} is not a comment. Nothing is expanded: no variables, globs or operators.
 */
public final class ShellWords {

  private ShellWords() {
  }

  /**
   * Splits {@code line} into words.
   *
   * @throws IllegalArgumentException with shlex's message ({@code No closing quotation} or
   *     {@code No escaped character}) when the line ends inside a quote or after a backslash
   */
  public static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    // A word exists once any non-blank character was seen, so '' and "" yield empty words.
    boolean inWord = false;
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i++);
      if (isBlank(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        continue;
      }
      inWord = true;
      if (c == '\\') {
        if (i >= n) {
          throw new IllegalArgumentException("No escaped character");
        }
        word.append(line.charAt(i++));
      } else if (c == '\'') {
        int end = line.indexOf('\'', i);
        if (end < 0) {
          throw new IllegalArgumentException("No closing quotation");
        }
        word.append(line, i, end);
        i = end + 1;
      } else if (c == '"') {
        i = doubleQuoted(line, i, word);
      } else {
        word.append(c);
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  private static int doubleQuoted(String line, int start, StringBuilder word) {
    int i = start;
    int n = line.length();
    while (true) {
      if (i >= n) {
        throw new IllegalArgumentException("No closing quotation");
      }
      char c = line.charAt(i++);
      if (c == '"') {
        return i;
      }
      if (c == '\\') {
        if (i >= n) {
          throw new IllegalArgumentException("No escaped character");
        }
        char escaped = line.charAt(i++);
        if (escaped != '\\' && escaped != '"') {
          word.append('\\');
        }
        word.append(escaped);
      } else {
        word.append(c);
      }
    }
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }
}
