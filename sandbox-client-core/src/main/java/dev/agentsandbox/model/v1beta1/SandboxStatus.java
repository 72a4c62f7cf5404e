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

  /**
   * The sandbox's conditions: {@code Ready}, the one to wait on, and {@code Finished}, present once
   * the pod has terminated.
   */
  public List<Condition> getConditions() {
    return conditions;
  }

  /** Sets {@link #getConditions()}; the list is copied. */
  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? null : new ArrayList<>(conditions);
  }

  /**
   * The pod IPs of the sandbox's pod in the kubelet's order (primary family first, IPv4, IPv6 or
   * both); absent while there is no pod.
   */
  public List<String> getPodIPs() {
    return podIPs;
  }

  /** Sets {@link #getPodIPs()}; the list is copied. */
  public void setPodIPs(List<String> podIPs) {
    this.podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }

  /** The node the sandbox's pod runs on, or null; new in v1beta1. */
  public String getNodeName() {
    return nodeName;
  }

  /** Sets {@link #getNodeName()}. */
  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  /**
   * Label selector of the sandbox's pod, {@code agents.x-k8s.io/sandbox-name-hash=<hash>}; kept
   * while suspended.
   */
  public String getSelector() {
    return selector;
  }

  /** Sets {@link #getSelector()}. */
  public void setSelector(String selector) {
    this.selector = selector;
  }

  /** Name of the Service the sandbox owns, or null when there is none. */
  public String getService() {
    return service;
  }

  /** Sets {@link #getService()}. */
  public void setService(String service) {
    this.service = service;
  }

  /**
   * Cluster DNS name of that Service, {@code <service>.<namespace>.svc.<cluster domain>}, or null.
   */
  @JsonProperty("serviceFQDN")
  public String getServiceFQDN() {
    return serviceFQDN;
  }

  /** Sets {@link #getServiceFQDN()}. */
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
