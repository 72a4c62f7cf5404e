package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Observed state of a v1beta1 {@link Sandbox}; there is no replica count any more. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxStatus {
  private List<Condition> conditions;
  private List<String> podIPs;
  private String nodeName;
  private String selector;
  private String service;
  @JsonProperty("serviceFQDN")
  private String serviceFQDN;

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? null : new ArrayList<>(conditions);
  }

  /** Pod IPs of the sandbox's pod, IPv4 and/or IPv6. */
  public List<String> getPodIPs() {
    return podIPs;
  }

  public void setPodIPs(List<String> podIPs) {
    this.podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }

  /** The node the pod runs on. */
  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public String getService() {
    return service;
  }

  public void setService(String service) {
    this.service = service;
  }

  @JsonProperty("serviceFQDN")
  public String getServiceFQDN() {
    return serviceFQDN;
  }

  @JsonProperty("serviceFQDN")
  public void setServiceFQDN(String serviceFQDN) {
    this.serviceFQDN = serviceFQDN;
  }

  /** The condition of the given type, if present. */
  @JsonIgnore
  public Optional<Condition> condition(String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
