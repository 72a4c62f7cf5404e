package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An environment variable a claim injects into its sandbox (an entry of {@code spec.env}, v0.4+).
 * Only a freshly created sandbox gets it, and only if the template's {@code envVarsInjectionPolicy}
 * allows injection.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ClaimEnvVar {
  private String name;
  private String value;
  private String containerName;

  /** Creates an empty instance, to be filled by the setters or by Jackson. */
  public ClaimEnvVar() {
  }

  /**
   * Creates the variable {@code name=value} for the container {@code containerName}, or for the
   * first container if that is null.
   */
  public ClaimEnvVar(String name, String value, String containerName) {
    this.name = name;
    this.value = value;
    this.containerName = containerName;
  }

  /**
   * Name of the variable; a variable of the same name in the template is replaced only if the
   * template's policy is {@code Overrides}.
   */
  public String getName() {
    return name;
  }

  /** Sets {@link #getName()}. */
  public void setName(String name) {
    this.name = name;
  }

  /** Literal value of the variable. */
  public String getValue() {
    return value;
  }

  /** Sets {@link #getValue()}. */
  public void setValue(String value) {
    this.value = value;
  }

  /** Name of the target container or init container; null means the first container. */
  public String getContainerName() {
    return containerName;
  }

  /** Sets {@link #getContainerName()}. */
  public void setContainerName(String containerName) {
    this.containerName = containerName;
  }
}
