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

  /**
   * The claim's conditions: {@code Ready}, the one to wait on, and from v0.4.3 {@code Finished},
   * copied from the sandbox.
   */
  public List<Condition> getConditions() {
    return conditions;
  }

  /** Sets {@link #getConditions()}; the list is copied. */
  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? null : new ArrayList<>(conditions);
  }

  /**
   * The sandbox serving this claim; null until there is one, and again whenever a reconcile finds
   * none or fails.
   */
  public ClaimedSandbox getSandbox() {
    return sandbox;
  }

  /** Sets {@link #getSandbox()}. */
  public void setSandbox(ClaimedSandbox sandbox) {
    this.sandbox = sandbox;
  }

  /** The condition of the given type, if present. */
  @JsonIgnore
  public Optional<Condition> condition(String type) {
    return Conditions.find(conditions, type);
  }
}
