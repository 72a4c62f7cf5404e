package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a {@link SandboxTemplate}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxTemplateSpec {
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

  private PodTemplateSpec podTemplate;
  private List<PersistentVolumeClaimTemplate> volumeClaimTemplates;
  private NetworkPolicyRules networkPolicy;
  private String networkPolicyManagement;
  private String envVarsInjectionPolicy;
  private Boolean service;

  /** Pod template copied into every sandbox made from this template; required. */
  public PodTemplateSpec getPodTemplate() {
    return podTemplate;
  }

  /** Sets {@link #getPodTemplate()}. */
  public void setPodTemplate(PodTemplateSpec podTemplate) {
    this.podTemplate = podTemplate;
  }

  /** PVC templates copied into every sandbox made from this template. */
  public List<PersistentVolumeClaimTemplate> getVolumeClaimTemplates() {
    return volumeClaimTemplates;
  }

  /** Sets {@link #getVolumeClaimTemplates()}; the list is copied. */
  public void setVolumeClaimTemplates(List<PersistentVolumeClaimTemplate> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null : new ArrayList<>(volumeClaimTemplates);
  }

  /**
   * Rules of the NetworkPolicy kept for this template's pods while management is
   * {@link #NETWORK_MANAGED}; null means the default policy: ingress only from the sandbox router,
   * egress only to public addresses (no cluster DNS).
   */
  public NetworkPolicyRules getNetworkPolicy() {
    return networkPolicy;
  }

  /** Sets {@link #getNetworkPolicy()}. */
  public void setNetworkPolicy(NetworkPolicyRules networkPolicy) {
    this.networkPolicy = networkPolicy;
  }

  /** {@link #NETWORK_MANAGED} or {@link #NETWORK_UNMANAGED}; null means Managed. */
  public String getNetworkPolicyManagement() {
    return networkPolicyManagement;
  }

  /** Sets {@link #getNetworkPolicyManagement()}. */
  public void setNetworkPolicyManagement(String networkPolicyManagement) {
    this.networkPolicyManagement = networkPolicyManagement;
  }

  /**
   * Whether claims may inject environment variables: {@link #ENV_ALLOWED}, {@link #ENV_OVERRIDES}
   * or {@link #ENV_DISALLOWED}; null or empty means Disallowed.
   */
  public String getEnvVarsInjectionPolicy() {
    return envVarsInjectionPolicy;
  }

  /** Sets {@link #getEnvVarsInjectionPolicy()}. */
  public void setEnvVarsInjectionPolicy(String envVarsInjectionPolicy) {
    this.envVarsInjectionPolicy = envVarsInjectionPolicy;
  }

  /**
   * Copied into {@link SandboxSpec#getService()} of every sandbox made from this template; v0.4.6+.
   */
  public Boolean getService() {
    return service;
  }

  /** Sets {@link #getService()}. */
  public void setService(Boolean service) {
    this.service = service;
  }
}
