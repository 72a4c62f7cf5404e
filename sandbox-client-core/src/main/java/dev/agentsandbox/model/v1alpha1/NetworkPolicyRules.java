package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Ingress and egress rules of the NetworkPolicy the controller keeps for a template's pods
 * ({@code spec.networkPolicy}); from controller v0.4 there is one policy per template. Once this
 * is set, both directions are limited to the rules given.
 *
 * @param ingress traffic the template's pods accept; null or empty denies all inbound traffic.
 *     The list is copied.
 * @param egress traffic the template's pods may send; null or empty denies all outbound traffic,
 *     cluster DNS included. The list is copied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkPolicyRules(List<NetworkPolicyIngressRule> ingress,
    List<NetworkPolicyEgressRule> egress) {
  /** Copies both lists; a null list stays null. */
  public NetworkPolicyRules {
    ingress = ingress == null ? null : new ArrayList<>(ingress);
    egress = egress == null ? null : new ArrayList<>(egress);
  }
}
