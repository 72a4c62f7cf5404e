package dev.agentsandbox.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The tools as an AI service uses them, with a scripted model, on the embedded cluster. */
@SandboxTest
@SandboxTemplate(name = "python-runtime")
class SandboxToolsTest {
  interface Assistant {
    String chat(@MemoryId String conversation, @UserMessage String message);
  }

  @Test
  void theModelSeesTheToolsAndTheirOutput(Sandbox sandbox) {
    String ask = "Say hi through a file";
    ScriptedChatModel model = new ScriptedChatModel()
        .on(ask, "write_file", "{\"path\": \"hello.txt\", \"content\": \"hi from the agent\\n\"}")
        .on(ask, "execute_command", "{\"command\": \"cat hello.txt\"}")
        .on(ask, "list_files", "{\"path\": \".\"}")
        .on(ask, "read_file", "{\"path\": \"missing.txt\"}");
    try (SandboxTools tools = SandboxTools.of(sandbox)) {
      Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
          .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
          .tools(tools).build();
      String answer = assistant.chat("c1", ask);

      assertTrue(answer.contains("[write_file] Wrote 18 bytes to hello.txt"), answer);
      assertTrue(answer.contains("[execute_command] exit_code: 0\nstdout:\nhi from the agent"),
          answer);
      assertTrue(answer.contains("[list_files] ") && answer.contains("file hello.txt (18 bytes)"),
          answer);
      assertTrue(answer.contains("[read_file] ERROR: "), answer);
    }
    // The memory id is the tools' own business: the model is never asked for it.
    Set<String> offered = model.requests.get(0).toolSpecifications().stream()
        .map(ToolSpecification::name).collect(Collectors.toSet());
    assertEquals(Set.of("execute_command", "write_file", "read_file", "list_files"), offered);
    for (ToolSpecification spec : ToolSpecifications.toolSpecificationsFrom(SandboxTools.class)) {
      assertFalse(spec.parameters().properties().keySet().stream()
          .anyMatch(name -> name.toLowerCase().contains("memory")), spec.toString());
    }
  }

  @Test
  void eachConversationGetsItsOwnSandboxDeletedOnClose(SandboxFleet fleet) {
    ScriptedChatModel model = new ScriptedChatModel()
        .on("write", "write_file", "{\"path\": \"mine.txt\", \"content\": \"first\"}")
        .on("look", "execute_command", "{\"command\": \"ls\"}");
    List<String> claims;
    try (SandboxTools tools = SandboxTools.perMemoryId(fleet,
        SandboxOptions.ofTemplate("python-runtime"))) {
      Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
          .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
          .tools(tools).build();
      assistant.chat("alice", "write");
      String bob = assistant.chat("bob", "look");
      // Bob's sandbox is not Alice's: her file is not there.
      assertTrue(bob.contains("[execute_command] exit_code: 0"), bob);
      assertFalse(bob.contains("mine.txt"), bob);
      claims = fleet.list(Map.of()).stream().map(SandboxSummary::claimName).toList();
      assertEquals(2, claims.size(), claims::toString);
      assertTrue(tools.release("alice"));
      assertFalse(tools.release("alice"));
      assertEquals(1, fleet.list(Map.of()).size());
    }
    assertEquals(List.of(), fleet.list(Map.of()), "closing the tools deletes their sandboxes");
  }

  @Test
  void longOutputIsCutForTheModel(Sandbox sandbox) {
    try (SandboxTools tools = SandboxTools.builder(sandbox).maxOutputChars(100).build()) {
      String out = tools.executeCommand("sh -c 'seq 1 1000'", "default");
      assertTrue(out.startsWith("exit_code: 0\nstdout:\n1\n2\n"), out);
      assertTrue(out.contains("[cut: "), out);
    }
    assertThrows(IllegalArgumentException.class,
        () -> SandboxTools.builder(sandbox).maxOutputChars(10));
    assertThrows(IllegalArgumentException.class,
        () -> SandboxTools.builder(sandbox).commandTimeout(Duration.ZERO));
    assertThrows(IllegalStateException.class,
        () -> SandboxTools.builder(sandbox).idleTimeout(Duration.ofMinutes(1)), "a shared sandbox never idles out");
  }

  @Test
  void closedToolsAnswerWithAnError(SandboxFleet fleet) {
    SandboxTools tools = SandboxTools.perMemoryId(fleet, SandboxOptions.ofTemplate("python-runtime"));
    tools.close();
    assertEquals("ERROR: the sandbox tools are closed", tools.executeCommand("true", "x"));
    assertEquals(List.of(), fleet.list(Map.of()));
  }

  @Test
  void theCodeEngineRunsCodeInTheSandbox(Sandbox sandbox) {
    SandboxCodeExecutionEngine engine = SandboxCodeExecutionEngine.of(sandbox, "sh", "sh",
        Duration.ofSeconds(30));
    assertEquals("42", engine.execute("echo $((6 * 7))"));
    String failed = engine.execute("echo partial; echo broken >&2; exit 4");
    assertTrue(failed.startsWith("Error (exit code 4):\nbroken"), failed);
    assertTrue(failed.contains("partial"), failed);
    assertTrue(sandbox.files().list(".").stream().noneMatch(e -> e.name().startsWith(".code-")),
        "the code's file is removed");
    assertThrows(IllegalArgumentException.class,
        () -> SandboxCodeExecutionEngine.of(sandbox, "python3; rm -rf /", "py", Duration.ofSeconds(1)));
  }
}
