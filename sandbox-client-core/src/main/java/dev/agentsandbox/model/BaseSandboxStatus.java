package dev.agentsandbox.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * The observed state a Sandbox has in both API versions; {@code v1alpha1} adds the replica count,
 * {@code v1beta1} the node name.
 *
 * @since 0.1.0
 */
@JsonPropertyOrder("conditions")
public abstract class BaseSandboxStatus implements ConditionedStatus {
  private List<Condition> conditions;
  private List<String> podIPs;
  private String selector;
  private String service;
  @JsonProperty("serviceFQDN")
  private String serviceFQDN;

  /** For subclasses. */
  protected BaseSandboxStatus() {
  }

  @Override
  @JsonProperty("conditions")
  public List<Condition> conditions() {
    return conditions;
  }

  /** Sets {@link #conditions()}; the list is copied. */
  @JsonProperty("conditions")
  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? null : new ArrayList<>(conditions);
  }

  /**
   * The pod IPs of the sandbox's pod in the kubelet's order (primary family first, IPv4, IPv6 or
   * both); absent while there is no pod, and from controllers before v0.3.
   */
  public List<String> getPodIPs() {
    return podIPs;
  }

  /** Sets {@link #getPodIPs()}; the list is copied. */
  public void setPodIPs(List<String> podIPs) {
    this.podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }

  /**
   * Label selector of the sandbox's pod, {@code agents.x-k8s.io/sandbox-name-hash=<hash>}; kept
   * while suspended (v0.1.0 cleared it), cleared at expiry.
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
   * there is none, which from controller v0.4.6 is the default.
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
}
