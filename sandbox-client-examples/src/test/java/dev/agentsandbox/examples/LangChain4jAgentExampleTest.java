package dev.agentsandbox.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The LangChain4j example as a user runs it: embedded cluster, scripted model. */
class LangChain4jAgentExampleTest {
  @Test
  void theModelsNextMessageShowsTheToolsOutput() throws Exception {
    String answer = LangChain4jAgentExample.run("test", new String[0], new ScriptedCodingModel());
    // The tool ran in the sandbox, and its result came back to the model, which quoted it.
    assertTrue(answer.startsWith("I ran `sh -c 'echo $((6 * 7))'` in the sandbox. It said:\n"
        + "exit_code: 0\nstdout:\n42"), answer);
  }
}
