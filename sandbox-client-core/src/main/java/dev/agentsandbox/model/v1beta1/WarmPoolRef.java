package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Reference to a SandboxWarmPool in the claim's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class WarmPoolRef {
  private String name;

  /** Creates an empty instance, to be filled by the setters or by Jackson. */
  public WarmPoolRef() {
  }

  /** Creates a reference to the warm pool {@code name}. */
  public WarmPoolRef(String name) {
    this.name = name;
  }

  /** Name of the SandboxWarmPool. */
  public String getName() {
    return name;
  }

  /** Sets {@link #getName()}. */
  public void setName(String name) {
    this.name = name;
  }
}
