package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** An environment variable a claim injects into its sandbox (cold creates only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ClaimEnvVar {
  private String name;
  private String value;
  private String containerName;

  public ClaimEnvVar() {
  }

  public ClaimEnvVar(String name, String value, String containerName) {
    this.name = name;
    this.value = value;
    this.containerName = containerName;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  /** Target container; null means the first container. */
  public String getContainerName() {
    return containerName;
  }

  public void setContainerName(String containerName) {
    this.containerName = containerName;
  }
}
