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

  /** Creates an empty instance, to be filled by the setters or by Jackson. */
  public ClaimedSandbox() {
  }

  /**
   * Creates a reference to the sandbox {@code name} with its pod IPs; the list is copied and may be
   * null.
   */
  public ClaimedSandbox(String name, List<String> podIPs) {
    this.name = name;
    setPodIPs(podIPs);
  }

  /**
   * Name of the Sandbox serving the claim, the value routers expect in {@code X-Sandbox-ID}. From
   * v0.3 it differs from the claim name when the sandbox came from a warm pool.
   */
  public String getName() {
    return name;
  }

  /** Sets {@link #getName()}. */
  public void setName(String name) {
    this.name = name;
  }

  /**
   * The pod IPs of the sandbox's pod, copied from the Sandbox's status; never written by v0.1.0
   * controllers, and absent while the pod has no IP.
   */
  public List<String> getPodIPs() {
    return podIPs;
  }

  /** Sets {@link #getPodIPs()}; the list is copied. */
  public void setPodIPs(List<String> podIPs) {
    this.podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }
}
