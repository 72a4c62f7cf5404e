package dev.agentsandbox.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The part of a status that every agent-sandbox kind with conditions shares: the list of
 * conditions and a lookup by type.
 *
 * @since 0.1.0
 */
public interface ConditionedStatus {
  /**
   * The conditions: {@link SandboxKeys#CONDITION_READY}, the one to wait on, and (controllers from
   * v0.4.3) {@link SandboxKeys#CONDITION_FINISHED}, present once the sandbox's pod has terminated.
   * For a Sandbox, Ready is True with reason {@code DependenciesReady} when the pod is ready with
   * an IP (or suspended) and any required Service exists; a claim copies them from its sandbox.
   *
   * @return the conditions, or null when there are none
   */
  @Nullable List<Condition> conditions();

  /**
   * The condition of the given type, if present.
   *
   * @param type the condition type, such as {@link SandboxKeys#CONDITION_READY}
   * @return the first condition of that type
   */
  @JsonIgnore
  default Optional<Condition> condition(String type) {
    List<Condition> conditions = conditions();
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
