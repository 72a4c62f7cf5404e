package dev.agentsandbox.examples;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;

/**
 * {@link LangChain4jAgentExample}'s agent with a real model, OpenAI's: runs only when
 * {@code OPENAI_API_KEY} is set (and, optionally, {@code OPENAI_MODEL}, default
 * {@code gpt-4o-mini}); otherwise it says so and exits. Same options as that example.
 */
public final class LangChain4jOpenAiExample {
  private LangChain4jOpenAiExample() {
  }

  /** Entry point; see {@link LangChain4jAgentExample} for arguments. */
  public static void main(String[] args) throws Exception {
    String key = System.getenv("OPENAI_API_KEY");
    if (key == null || key.isBlank()) {
      System.out.println("Set OPENAI_API_KEY to run this example with OpenAI's model; "
          + "LangChain4jAgentExample runs the same agent with a scripted model.");
      return;
    }
    String modelName = System.getenv().getOrDefault("OPENAI_MODEL", "gpt-4o-mini");
    ChatModel model = OpenAiChatModel.builder()
        .apiKey(key.strip())
        .modelName(modelName)
        .timeout(Duration.ofSeconds(60))
        .build();
    System.out.println("assistant: " + LangChain4jAgentExample.run(
        "LangChain4jOpenAiExample " + LangChain4jAgentExample.USAGE, args, model));
  }
}
