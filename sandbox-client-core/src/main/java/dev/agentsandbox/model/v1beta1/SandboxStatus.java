package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.BaseSandboxStatus;

/** Observed state of a v1beta1 {@link Sandbox}; there is no replica count any more. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxStatus extends BaseSandboxStatus {
  private String nodeName;

  /** The node the sandbox's pod runs on, or null; new in v1beta1. */
  public String getNodeName() {
    return nodeName;
  }

  /** Sets {@link #getNodeName()}. */
  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }
}
