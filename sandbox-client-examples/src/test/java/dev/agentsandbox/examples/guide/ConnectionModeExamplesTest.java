package dev.agentsandbox.examples.guide;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConnectionModeExamplesTest {
  private static final Pattern SNIPPET =
      Pattern.compile("// tag::([a-z-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL);

  @Test
  void everyCompiledExampleAppearsVerbatimInTheGuide() throws IOException {
    String source = Files.readString(
        Path.of("src/main/java/dev/agentsandbox/examples/guide/ConnectionModeExamples.java"));
    String guide = Files.readString(Path.of("../docs/connection-modes.md"));
    List<String> missing = new ArrayList<>();
    Matcher m = SNIPPET.matcher(source);
    int found = 0;
    while (m.find()) {
      found++;
      if (!guide.contains(dedent(m.group(2)))) {
        missing.add(m.group(1));
      }
    }
    assertFalse(found == 0, "no tagged snippets in the examples");
    assertTrue(missing.isEmpty(), "snippets missing from docs/connection-modes.md or different there: " + missing);
  }

  /** Removes the indentation the snippet has in its method. */
  private static String dedent(String snippet) {
    List<String> lines = snippet.lines().toList();
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString();
  }
}
