package dev.agentsandbox.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The live process example as a user runs it, on the embedded cluster: its lines, both runtimes. */
class LiveProcessExampleTest {
  @Test
  void printsTheLinesOfBothRuntimes() throws Exception {
    List<String> lines = new ArrayList<>();
    LiveProcessExample.run(new String[0], lines::add);

    assertEquals(10, lines.size(), lines::toString);
    for (String runtime : List.of("legacy", "sandboxd")) {
      List<String> own = lines.stream().filter(l -> l.startsWith("runtime=" + runtime + " ")).toList();
      assertEquals(5, own.size(), lines::toString);
      Matcher first = Pattern.compile("runtime=" + runtime + " first-output-ms=(\\d+)").matcher(own.get(0));
      assertTrue(first.matches(), own.get(0));
      assertTrue(Long.parseLong(first.group(1)) < 3000, "the first line before the sleep ends: " + own.get(0));
      assertEquals("runtime=" + runtime + " stdin=hello from stdin", own.get(1));
      assertEquals("runtime=" + runtime + " signal-exit=130", own.get(2));
      assertTrue(own.get(3).matches("runtime=" + runtime + " tty=/dev/pts/\\d+"), own.get(3));
      assertEquals("runtime=" + runtime + " async-results=100", own.get(4));
    }
  }
}
