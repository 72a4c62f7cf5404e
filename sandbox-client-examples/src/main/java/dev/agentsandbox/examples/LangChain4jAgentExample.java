package dev.agentsandbox.examples;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.langchain4j.SandboxTools;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.util.Map;

/**
 * A LangChain4j agent whose tools run in a sandbox: an {@code AiServices} assistant with
 * {@link SandboxTools}, one sandbox per conversation, deleted when the tools close. The model
 * here is scripted ({@link ScriptedCodingModel}): it calls {@code execute_command} and answers
 * with the tool's output, so the example runs anywhere; {@link LangChain4jOpenAiExample} runs
 * the same agent with a real model.
 *
 * <p>By default on an embedded cluster; with {@code --kubeconfig} or {@code --context} on a real
 * one, which must run the controller, the router and the template.
 *
 * <pre>
 * usage: LangChain4jAgentExample [--kubeconfig FILE] [--context NAME] [--namespace NS] [--template NAME]
 * </pre>
 */
public final class LangChain4jAgentExample {
  static final String USAGE = "[--kubeconfig FILE] [--context NAME] [--namespace NS] [--template NAME]";
  static final String QUESTION = "What is six times seven? Compute it in your sandbox.";

  /** The agent's interface: one conversation per memory id. */
  interface Assistant {
    @SystemMessage("You are a careful assistant. Run code in your sandbox with the tools you have "
        + "rather than guessing; the sandbox is an isolated Linux machine.")
    String chat(@MemoryId String conversation, @UserMessage String message);
  }

  private LangChain4jAgentExample() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    System.out.println("assistant: " + run("LangChain4jAgentExample " + USAGE, args,
        new ScriptedCodingModel()));
  }

  /**
   * Asks {@code model}'s agent {@link #QUESTION} on the cluster the arguments name.
   *
   * @return the assistant's answer, or null after --help
   */
  static String run(String usage, String[] args, ChatModel model) throws Exception {
    ExampleOptions options = ExampleOptions.parse(usage, args,
        Map.of("--namespace", "default", "--template", "python-runtime-template"));
    if (options == null) {
      return null;
    }
    SandboxOptions sandbox = SandboxOptions.builder().templateName(options.get("--template"))
        .namespace(options.get("--namespace")).build();
    if (options.realCluster()) {
      try (KubernetesClient client = options.realClusterClient()) {
        return ask(client, ConnectionMode.tunnel(), sandbox, model);
      }
    }
    try (LocalSandboxCluster cluster = LocalSandboxCluster.start();
        InputStream yaml = LangChain4jAgentExample.class.getResourceAsStream(
            "/python-runtime-template.yaml")) {
      cluster.apply(yaml);
      return ask(cluster.client(), cluster.tunnel(), sandbox, model);
    }
  }

  private static String ask(KubernetesClient client, ConnectionMode connection,
      SandboxOptions sandbox, ChatModel model) {
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(client)
            .connection(connection).build();
        SandboxTools tools = SandboxTools.perMemoryId(fleet, sandbox)) {
      Assistant assistant = AiServices.builder(Assistant.class)
          .chatModel(model)
          .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
          .tools(tools)
          .build();
      return assistant.chat("conversation-1", QUESTION);
    }
  }
}
