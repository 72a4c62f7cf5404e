package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Reference to a {@link SandboxTemplate} in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class TemplateRef {
  private String name;

  /** Creates an empty instance, to be filled by the setters or by Jackson. */
  public TemplateRef() {
  }

  /** Creates a reference to the template {@code name}. */
  public TemplateRef(String name) {
    this.name = name;
  }

  /** Name of the SandboxTemplate. */
  public String getName() {
    return name;
  }

  /** Sets {@link #getName()}. */
  public void setName(String name) {
    this.name = name;
  }
}
