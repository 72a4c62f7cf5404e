package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.ConditionedStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Observed state of a {@link SandboxClaim}.
 *
 * @param conditions see {@link ConditionedStatus#conditions()}; the list is copied
 * @param sandbox the sandbox serving this claim; null until there is one, and again whenever a
 *     reconcile finds none or fails
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxClaimStatus(List<Condition> conditions, ClaimedSandbox sandbox)
    implements ConditionedStatus {
  /** Copies the list of conditions; a null list stays null. */
  public SandboxClaimStatus {
    conditions = conditions == null ? null : new ArrayList<>(conditions);
  }
}
