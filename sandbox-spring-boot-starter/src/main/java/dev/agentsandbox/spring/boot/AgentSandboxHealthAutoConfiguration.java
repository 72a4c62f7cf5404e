package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.SandboxFleet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code agentSandbox} health indicator ({@link AgentSandboxHealthIndicator}), when the
 * actuator is there; {@code management.health.agentsandbox.enabled=false} turns it off.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = AgentSandboxAutoConfiguration.class,
    beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(SandboxFleet.class)
@ConditionalOnEnabledHealthIndicator("agentsandbox")
public class AgentSandboxHealthAutoConfiguration {
  /**
   * The indicator.
   *
   * @param fleet the fleet
   * @param client its Kubernetes client
   * @param properties the settings
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "agentSandboxHealthIndicator")
  public AgentSandboxHealthIndicator agentSandboxHealthIndicator(SandboxFleet fleet,
      KubernetesClient client, AgentSandboxProperties properties) {
    return new AgentSandboxHealthIndicator(fleet, client, properties);
  }
}
