package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Observed state of a {@link Sandbox}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxStatus {
  private List<Condition> conditions;
  private List<String> podIPs;
  private Integer replicas;
  private String selector;
  private String service;
  @JsonProperty("serviceFQDN")
  private String serviceFQDN;

  /**
   * The sandbox's conditions: {@code Ready}, True with reason {@code DependenciesReady} when the
   * pod is ready with an IP (or suspended) and any required Service exists, and from v0.4.3
   * {@code Finished}, present once the pod has terminated.
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
   * both); absent while there is no pod and before v0.3.
   */
  public List<String> getPodIPs() {
    return podIPs;
  }

  /** Sets {@link #getPodIPs()}; the list is copied. */
  public void setPodIPs(List<String> podIPs) {
    this.podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }

  /** 1 while the sandbox has a pod, else 0 or null (only v0.1.0 writes the 0). */
  public Integer getReplicas() {
    return replicas;
  }

  /** Sets {@link #getReplicas()}. */
  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  /**
   * Label selector of the sandbox's pod, {@code agents.x-k8s.io/sandbox-name-hash=<hash>}, for the
   * scale subresource; kept while suspended (v0.1.0 cleared it), cleared at expiry.
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
   * Cluster DNS name of that Service, {@code <service>.<namespace>.svc.<cluster domain>}; null when
   * there is none, which from v0.4.6 is the default.
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
    return Conditions.find(conditions, type);
  }
}
