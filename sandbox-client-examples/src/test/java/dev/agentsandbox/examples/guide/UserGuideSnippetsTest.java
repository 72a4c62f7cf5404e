package dev.agentsandbox.examples.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The user guide's Java examples are exactly the compiled ones in {@link UserGuideExamples}. */
class UserGuideSnippetsTest {
  private static final Path GUIDE = Path.of("../docs/user-guide.md");
  private static final Path SOURCE =
      Path.of("src/main/java/dev/agentsandbox/examples/guide/UserGuideExamples.java");

  @Test
  void everyExampleInTheGuideIsTheCompiledOne() throws IOException {
    Map<String, String> compiled = regions(Files.readString(SOURCE));
    Map<String, String> documented = new LinkedHashMap<>();
    Matcher block = Pattern.compile("<!-- snippet: ([a-z-]+) -->\n```java\n(.*?)\n```", Pattern.DOTALL)
        .matcher(Files.readString(GUIDE));
    while (block.find()) {
      documented.put(block.group(1), block.group(2));
    }

    assertFalse(documented.isEmpty());
    assertEquals(compiled.keySet(), documented.keySet(), "every example is in the guide once");
    compiled.forEach((name, code) -> assertEquals(code, documented.get(name), name));
    assertTrue(Files.readString(GUIDE).contains("(connection-modes.md)"));
  }

  private static Map<String, String> regions(String source) {
    Map<String, String> regions = new LinkedHashMap<>();
    Matcher region = Pattern.compile("// tag::([a-z-]+)\\[\\]\n(.*?)\n\\s*// end::\\1\\[\\]",
        Pattern.DOTALL).matcher(source);
    while (region.find()) {
      regions.put(region.group(1), dedent(region.group(2)));
    }
    return regions;
  }

  private static String dedent(String code) {
    int indent = code.lines().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String line : code.split("\n", -1)) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(line.length() >= indent ? line.substring(indent) : line.strip());
    }
    return out.toString();
  }
}
