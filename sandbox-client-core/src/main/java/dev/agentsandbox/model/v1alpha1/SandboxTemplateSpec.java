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

  public PodTemplateSpec getPodTemplate() {
    return podTemplate;
  }

  public void setPodTemplate(PodTemplateSpec podTemplate) {
    this.podTemplate = podTemplate;
  }

  public List<PersistentVolumeClaimTemplate> getVolumeClaimTemplates() {
    return volumeClaimTemplates;
  }

  public void setVolumeClaimTemplates(List<PersistentVolumeClaimTemplate> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null : new ArrayList<>(volumeClaimTemplates);
  }

  public NetworkPolicyRules getNetworkPolicy() {
    return networkPolicy;
  }

  public void setNetworkPolicy(NetworkPolicyRules networkPolicy) {
    this.networkPolicy = networkPolicy;
  }

  public String getNetworkPolicyManagement() {
    return networkPolicyManagement;
  }

  public void setNetworkPolicyManagement(String networkPolicyManagement) {
    this.networkPolicyManagement = networkPolicyManagement;
  }

  public String getEnvVarsInjectionPolicy() {
    return envVarsInjectionPolicy;
  }

  public void setEnvVarsInjectionPolicy(String envVarsInjectionPolicy) {
    this.envVarsInjectionPolicy = envVarsInjectionPolicy;
  }

  public Boolean getService() {
    return service;
  }

  public void setService(Boolean service) {
    this.service = service;
  }
}
