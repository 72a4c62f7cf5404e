package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import java.util.ArrayList;
import java.util.List;

/** Ingress and egress rules of a template's managed NetworkPolicy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class NetworkPolicyRules {
  private List<NetworkPolicyIngressRule> ingress;
  private List<NetworkPolicyEgressRule> egress;

  public List<NetworkPolicyIngressRule> getIngress() {
    return ingress;
  }

  public void setIngress(List<NetworkPolicyIngressRule> ingress) {
    this.ingress = ingress == null ? null : new ArrayList<>(ingress);
  }

  public List<NetworkPolicyEgressRule> getEgress() {
    return egress;
  }

  public void setEgress(List<NetworkPolicyEgressRule> egress) {
    this.egress = egress == null ? null : new ArrayList<>(egress);
  }
}
