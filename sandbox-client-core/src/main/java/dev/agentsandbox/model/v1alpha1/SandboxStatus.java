package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.BaseSandboxStatus;

/** Observed state of a {@link Sandbox}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxStatus extends BaseSandboxStatus {
  private Integer replicas;

  /** 1 while the sandbox has a pod, else 0 or null (only v0.1.0 writes the 0). */
  public Integer getReplicas() {
    return replicas;
  }

  /** Sets {@link #getReplicas()}. */
  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }
}
