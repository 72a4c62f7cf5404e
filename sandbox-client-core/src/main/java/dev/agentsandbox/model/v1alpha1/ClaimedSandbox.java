package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The sandbox a claim points at. Controllers up to v0.2 wrote the name as {@code Name}; it is
 * read under either spelling and always written as {@code name}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ClaimedSandbox {
  @JsonProperty("name")
  @JsonAlias("Name")
  private String name;
  private List<String> podIPs;

  public ClaimedSandbox() {
  }

  public ClaimedSandbox(String name, List<String> podIPs) {
    this.name = name;
    setPodIPs(podIPs);
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getPodIPs() {
    return podIPs;
  }

  public void setPodIPs(List<String> podIPs) {
    this.podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }
}
