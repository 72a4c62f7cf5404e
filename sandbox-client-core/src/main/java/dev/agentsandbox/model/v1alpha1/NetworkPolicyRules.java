package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Ingress and egress rules of the NetworkPolicy the controller keeps for a template's pods
 * ({@code spec.networkPolicy}); from v0.4 there is one policy per template. Once this is set, both
 * directions are limited to the rules given.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class NetworkPolicyRules {
  private List<NetworkPolicyIngressRule> ingress;
  private List<NetworkPolicyEgressRule> egress;

  /** Traffic the template's pods accept; null or empty denies all inbound traffic. */
  public List<NetworkPolicyIngressRule> getIngress() {
    return ingress;
  }

  /** Sets {@link #getIngress()}; the list is copied. */
  public void setIngress(List<NetworkPolicyIngressRule> ingress) {
    this.ingress = ingress == null ? null : new ArrayList<>(ingress);
  }

  /**
   * Traffic the template's pods may send; null or empty denies all outbound traffic, cluster DNS
   * included.
   */
  public List<NetworkPolicyEgressRule> getEgress() {
    return egress;
  }

  /** Sets {@link #getEgress()}; the list is copied. */
  public void setEgress(List<NetworkPolicyEgressRule> egress) {
    this.egress = egress == null ? null : new ArrayList<>(egress);
  }
}
