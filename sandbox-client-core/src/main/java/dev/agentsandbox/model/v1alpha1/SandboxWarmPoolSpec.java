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

  /** How many sandboxes the pool keeps ready for adoption, at least 0; required. */
  public Integer getReplicas() {
    return replicas;
  }

  /** Sets {@link #getReplicas()}. */
  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  /** The template the pool's sandboxes are made from, in the pool's namespace; required. */
  public TemplateRef getSandboxTemplateRef() {
    return sandboxTemplateRef;
  }

  /** Sets {@link #getSandboxTemplateRef()}. */
  public void setSandboxTemplateRef(TemplateRef sandboxTemplateRef) {
    this.sandboxTemplateRef = sandboxTemplateRef;
  }

  /**
   * How sandboxes made from an older version of the template are replaced; null means
   * {@link UpdateStrategy#ON_REPLENISH}. Not in v0.1.0.
   */
  public UpdateStrategy getUpdateStrategy() {
    return updateStrategy;
  }

  /** Sets {@link #getUpdateStrategy()}. */
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

    /** {@link #RECREATE} or {@link #ON_REPLENISH}; null or an unknown value means OnReplenish. */
    public String getType() {
      return type;
    }

    /** Sets {@link #getType()}. */
    public void setType(String type) {
      this.type = type;
    }
  }
}
