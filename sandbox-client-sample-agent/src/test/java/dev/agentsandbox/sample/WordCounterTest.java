package dev.agentsandbox.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import org.junit.jupiter.api.Test;

/** The example of docs/testing.md: agent code tested with the kit's API only. */
@SandboxTest
@SandboxTemplate(name = "python-runtime-template")
class WordCounterTest {
  @Test
  void countsTheWordsOfAText(SandboxClient sandbox) {
    assertEquals(4, new WordCounter(sandbox).countWords("one two three four\n"));
  }

  @Test
  void theSandboxRunsCommands(SandboxClient sandbox) {
    assertEquals("42\n", sandbox.run("sh -c 'echo $((6 * 7))'").stdout());
  }
}
