package dev.agentsandbox.client.internal;

import java.util.List;

/** Words as one POSIX shell line that splits back into exactly them. */
public final class ShellQuoting {
  private ShellQuoting() {
  }

  /** Each word single-quoted (a {@code '} inside as {@code '\''}), separated by spaces. */
  public static String quote(List<String> words) {
    StringBuilder line = new StringBuilder();
    for (String word : words) {
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append('\'').append(word.replace("'", "'\\''")).append('\'');
    }
    return line.toString();
  }
}
