package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.WarmPool;
import java.time.Duration;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring AI tool callbacks over the fleet ({@link SandboxAiTools}), when Spring AI is there and
 * {@code agent-sandbox.template} or {@code agent-sandbox.warm-pool} names what the tools'
 * sandbox is made from. Spring AI's chat clients pick up the {@link ToolCallbackProvider}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = AgentSandboxAutoConfiguration.class)
@ConditionalOnClass(ToolCallbackProvider.class)
@ConditionalOnBean(SandboxFleet.class)
@ConditionalOnExpression("'${agent-sandbox.template:}' != '' or '${agent-sandbox.warm-pool:}' != ''")
public class AgentSandboxAiToolsAutoConfiguration {
  /**
   * The tools; their sandboxes are deleted when the context closes.
   *
   * @param fleet the fleet
   * @param properties the settings
   * @return the tools
   */
  @Bean
  @ConditionalOnMissingBean
  public SandboxAiTools sandboxAiTools(SandboxFleet fleet, AgentSandboxProperties properties) {
    SandboxOptions.Builder options = SandboxOptions.builder();
    if (properties.template() != null && !properties.template().isBlank()) {
      options.templateName(properties.template());
    }
    if (properties.warmPool() != null && !properties.warmPool().isBlank()) {
      options.warmPool(WarmPool.named(properties.warmPool()));
    }
    Duration idle = properties.conversationIdleTimeout();
    return new SandboxAiTools(fleet, options.build(), properties.runTimeout(),
        idle.isZero() || idle.isNegative() ? null : idle);
  }

  /**
   * The tools as Spring AI tool callbacks, a sandbox per conversation.
   *
   * @param tools the tools
   * @return their callbacks
   */
  @Bean
  @ConditionalOnMissingBean(name = "sandboxToolCallbacks")
  public ToolCallbackProvider sandboxToolCallbacks(SandboxAiTools tools) {
    return ToolCallbackProvider.from(tools.toolCallbacks());
  }
}
