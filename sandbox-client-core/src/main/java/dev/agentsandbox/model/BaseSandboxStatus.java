package dev.agentsandbox.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The observed state a Sandbox has in both API versions; {@code v1alpha1} adds the replica count,
 * {@code v1beta1} the node name.
 *
 * @since 0.1.0
 */
public interface BaseSandboxStatus extends ConditionedStatus {
  /**
   * The pod IPs of the sandbox's pod in the kubelet's order (primary family first, IPv4, IPv6 or
   * both); absent while there is no pod, and from controllers before v0.3.
   *
   * @return the pod IPs, or null
   */
  @Nullable List<String> podIPs();

  /**
   * Label selector of the sandbox's pod, {@code agents.x-k8s.io/sandbox-name-hash=<hash>}; kept
   * while suspended (v0.1.0 cleared it), cleared at expiry.
   *
   * @return the selector, or null
   */
  @Nullable String selector();

  /**
   * Name of the Service the sandbox owns.
   *
   * @return the Service name, or null when there is none
   */
  @Nullable String service();

  /**
   * Cluster DNS name of that Service, {@code <service>.<namespace>.svc.<cluster domain>}; null when
   * there is none, which from controller v0.4.6 is the default.
   *
   * @return the Service's DNS name, or null
   */
  @Nullable String serviceFQDN();
}
