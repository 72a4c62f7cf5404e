package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.SandboxFleet;

/**
 * Adjusts the auto-configured fleet before it is built, after the {@code agent-sandbox.*}
 * properties were applied: declare beans of this type, ordered with
 * {@link org.springframework.core.annotation.Order} if several.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface SandboxFleetCustomizer {
  /**
   * Adjusts the builder.
   *
   * @param fleet the builder of the fleet
   */
  void customize(SandboxFleet.Builder fleet);
}
