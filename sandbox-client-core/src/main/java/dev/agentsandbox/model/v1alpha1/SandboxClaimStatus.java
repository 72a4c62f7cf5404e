package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.ConditionedStatus;

/** Observed state of a {@link SandboxClaim}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxClaimStatus extends ConditionedStatus {
  private ClaimedSandbox sandbox;

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
}
