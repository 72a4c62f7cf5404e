package dev.agentsandbox.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A model with a script: for a given user message it asks for the given tool calls, one per
 * turn, and then answers with the results it saw since that message. No network, the same
 * answer every time.
 */
final class ScriptedChatModel implements ChatModel {
  private final Map<String, List<ToolExecutionRequest>> script = new HashMap<>();
  final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

  /** On {@code userMessage}, call {@code tool} with {@code argumentsJson} (after earlier ones). */
  ScriptedChatModel on(String userMessage, String tool, String argumentsJson) {
    List<ToolExecutionRequest> calls = script.computeIfAbsent(userMessage, m -> new ArrayList<>());
    calls.add(ToolExecutionRequest.builder().id("call-" + (calls.size() + 1)).name(tool)
        .arguments(argumentsJson).build());
    return this;
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    requests.add(request);
    List<ChatMessage> messages = request.messages();
    int lastUser = messages.size() - 1;
    while (lastUser >= 0 && !(messages.get(lastUser) instanceof UserMessage)) {
      lastUser--;
    }
    String asked = lastUser < 0 ? "" : ((UserMessage) messages.get(lastUser)).singleText();
    List<ToolExecutionResultMessage> results = new ArrayList<>();
    for (ChatMessage message : messages.subList(lastUser + 1, messages.size())) {
      if (message instanceof ToolExecutionResultMessage result) {
        results.add(result);
      }
    }
    List<ToolExecutionRequest> calls = script.getOrDefault(asked, List.of());
    if (results.size() < calls.size()) {
      return ChatResponse.builder().aiMessage(AiMessage.from(calls.get(results.size()))).build();
    }
    StringBuilder answer = new StringBuilder("The tools said:");
    for (ToolExecutionResultMessage result : results) {
      answer.append("\n[").append(result.toolName()).append("] ").append(result.text());
    }
    return ChatResponse.builder().aiMessage(AiMessage.from(answer.toString())).build();
  }
}
