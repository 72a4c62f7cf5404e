package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Desired state of a {@link SandboxWarmPool}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxWarmPoolSpec {
  private Integer replicas;
  private TemplateRef sandboxTemplateRef;
  private UpdateStrategy updateStrategy;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public TemplateRef getSandboxTemplateRef() {
    return sandboxTemplateRef;
  }

  public void setSandboxTemplateRef(TemplateRef sandboxTemplateRef) {
    this.sandboxTemplateRef = sandboxTemplateRef;
  }

  public UpdateStrategy getUpdateStrategy() {
    return updateStrategy;
  }

  public void setUpdateStrategy(UpdateStrategy updateStrategy) {
    this.updateStrategy = updateStrategy;
  }

  /** How a pool replaces sandboxes whose template changed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class UpdateStrategy {
    /** Replace stale sandboxes at once. */
    public static final String RECREATE = "Recreate";
    /** Replace stale sandboxes only as they are adopted; the default. */
    public static final String ON_REPLENISH = "OnReplenish";

    private String type;

    public String getType() {
      return type;
    }

    public void setType(String type) {
      this.type = type;
    }
  }
}
