package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired state of a {@link SandboxTemplate}.
 *
 * @param podTemplate pod template copied into every sandbox made from this template; required
 * @param volumeClaimTemplates PVC templates copied into every sandbox made from this template, or
 *     null; the list is copied
 * @param networkPolicy rules of the NetworkPolicy kept for this template's pods while management
 *     is {@link #NETWORK_MANAGED}; null means the default policy: ingress only from the sandbox
 *     router, egress only to public addresses (no cluster DNS)
 * @param networkPolicyManagement {@link #NETWORK_MANAGED} or {@link #NETWORK_UNMANAGED}; null
 *     means Managed
 * @param envVarsInjectionPolicy whether claims may inject environment variables:
 *     {@link #ENV_ALLOWED}, {@link #ENV_OVERRIDES} or {@link #ENV_DISALLOWED}; null or empty means
 *     Disallowed
 * @param service copied into {@link SandboxSpec#getService()} of every sandbox made from this
 *     template, or null; v0.4.6+
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxTemplateSpec(PodTemplateSpec podTemplate,
    List<PersistentVolumeClaimTemplate> volumeClaimTemplates, NetworkPolicyRules networkPolicy,
    String networkPolicyManagement, String envVarsInjectionPolicy, Boolean service) {
  /** Env injection policy: allowed, no overrides of template variables. */
  public static final String ENV_ALLOWED = "Allowed";
  /** Env injection policy: allowed, claims may override template variables. */
  public static final String ENV_OVERRIDES = "Overrides";
  /** Env injection policy: refused; the CRD default. */
  public static final String ENV_DISALLOWED = "Disallowed";
  /** Network policy management: the controller keeps a NetworkPolicy; the default. */
  public static final String NETWORK_MANAGED = "Managed";
  /** Network policy management: none. */
  public static final String NETWORK_UNMANAGED = "Unmanaged";

  /** Copies the list of volume claim templates; a null list stays null. */
  public SandboxTemplateSpec {
    volumeClaimTemplates = volumeClaimTemplates == null ? null
        : new ArrayList<>(volumeClaimTemplates);
  }

  /**
   * A template of the given pod template with the defaults for everything else: no volumes, the
   * default network policy, no env injection, no Service.
   *
   * @param podTemplate pod template copied into every sandbox made from this template
   */
  public SandboxTemplateSpec(PodTemplateSpec podTemplate) {
    this(podTemplate, null, null, null, null, null);
  }
}
