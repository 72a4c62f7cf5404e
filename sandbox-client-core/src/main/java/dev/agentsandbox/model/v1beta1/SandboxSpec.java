package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.BaseSandboxSpec;

/** Desired state of a v1beta1 {@link Sandbox}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxSpec extends BaseSandboxSpec {
  /** Operating mode with a pod; the CRD default. */
  public static final String MODE_RUNNING = "Running";
  /** Operating mode without a pod; volumes and service stay. */
  public static final String MODE_SUSPENDED = "Suspended";

  private String operatingMode;

  /**
   * {@link #MODE_RUNNING} or {@link #MODE_SUSPENDED}; null means Running. Replaces the v1alpha1
   * {@code replicas}.
   */
  public String getOperatingMode() {
    return operatingMode;
  }

  /** Sets {@link #getOperatingMode()}. */
  public void setOperatingMode(String operatingMode) {
    this.operatingMode = operatingMode;
  }
}
