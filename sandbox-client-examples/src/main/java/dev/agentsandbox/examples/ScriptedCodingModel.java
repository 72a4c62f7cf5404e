package dev.agentsandbox.examples;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.List;

/**
 * A stand-in for a language model, so the example runs with no network and no key: asked
 * anything, it first calls the sandbox's {@code execute_command} tool with a command that
 * computes the answer, then answers with what the tool returned, as a real model would.
 */
final class ScriptedCodingModel implements ChatModel {
  static final String COMMAND = "sh -c 'echo $((6 * 7))'";

  @Override
  public ChatResponse doChat(ChatRequest request) {
    List<ChatMessage> messages = request.messages();
    ChatMessage last = messages.get(messages.size() - 1);
    if (last instanceof ToolExecutionResultMessage result) {
      return ChatResponse.builder().aiMessage(AiMessage.from(
          "I ran `" + COMMAND + "` in the sandbox. It said:\n" + result.text())).build();
    }
    ToolExecutionRequest call = ToolExecutionRequest.builder()
        .id("call-1")
        .name("execute_command")
        .arguments("{\"command\": \"" + COMMAND.replace("\"", "\\\"") + "\"}")
        .build();
    return ChatResponse.builder().aiMessage(AiMessage.from(call)).build();
  }
}
