package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Observed state of a {@link SandboxClaim}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxClaimStatus {
  private List<Condition> conditions;
  private ClaimedSandbox sandbox;

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? null : new ArrayList<>(conditions);
  }

  /** The sandbox serving this claim, once there is one. */
  public ClaimedSandbox getSandbox() {
    return sandbox;
  }

  public void setSandbox(ClaimedSandbox sandbox) {
    this.sandbox = sandbox;
  }

  /** The condition of the given type, if present. */
  @JsonIgnore
  public Optional<Condition> condition(String type) {
    return Conditions.find(conditions, type);
  }
}
