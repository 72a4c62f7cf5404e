package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Observed state of a {@link SandboxWarmPool}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxWarmPoolStatus {
  private Integer replicas;
  private Integer readyReplicas;
  private String selector;

  /** How many sandboxes the pool had when it was last reconciled; null when none. */
  public Integer getReplicas() {
    return replicas;
  }

  /** Sets {@link #getReplicas()}. */
  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  /** How many of the pool's sandboxes are Ready; null when none, and never written by v0.1.0. */
  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  /** Sets {@link #getReadyReplicas()}. */
  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  /**
   * Label selector of the pool's sandboxes, {@code agents.x-k8s.io/warm-pool-sandbox=<hash>}, used
   * by the scale subresource; not written by v0.1.0.
   */
  public String getSelector() {
    return selector;
  }

  /** Sets {@link #getSelector()}. */
  public void setSelector(String selector) {
    this.selector = selector;
  }
}
