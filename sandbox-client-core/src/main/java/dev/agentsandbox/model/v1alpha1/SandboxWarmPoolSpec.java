package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Desired state of a {@link SandboxWarmPool}.
 *
 * @param replicas how many sandboxes the pool keeps ready for adoption, at least 0; required
 * @param sandboxTemplateRef the template the pool's sandboxes are made from, in the pool's
 *     namespace; required
 * @param updateStrategy how sandboxes made from an older version of the template are replaced;
 *     null means {@link UpdateStrategy#ON_REPLENISH}. Not in v0.1.0.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxWarmPoolSpec(Integer replicas, TemplateRef sandboxTemplateRef,
    UpdateStrategy updateStrategy) {
  /**
   * How a pool replaces sandboxes whose template changed.
   *
   * @param type {@link #RECREATE} or {@link #ON_REPLENISH}; null or an unknown value means
   *     OnReplenish
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record UpdateStrategy(String type) {
    /** Replace stale sandboxes at once. */
    public static final String RECREATE = "Recreate";
    /** Replace stale sandboxes only as they are adopted; the default. */
    public static final String ON_REPLENISH = "OnReplenish";
  }
}
