package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a v1beta1 {@link Sandbox}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxSpec {
  /** Operating mode with a pod; the CRD default. */
  public static final String MODE_RUNNING = "Running";
  /** Operating mode without a pod; volumes and service stay. */
  public static final String MODE_SUSPENDED = "Suspended";

  private PodTemplateSpec podTemplate;
  private List<PersistentVolumeClaimTemplate> volumeClaimTemplates;
  private String shutdownTime;
  private String shutdownPolicy;
  private String operatingMode;
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
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null
        : new ArrayList<>(volumeClaimTemplates);
  }

  /** RFC 3339 time after which the sandbox expires, or null. */
  public String getShutdownTime() {
    return shutdownTime;
  }

  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  /** {@code Delete} or {@code Retain}; null means Retain. */
  public String getShutdownPolicy() {
    return shutdownPolicy;
  }

  public void setShutdownPolicy(String shutdownPolicy) {
    this.shutdownPolicy = shutdownPolicy;
  }

  /** {@code Running} or {@code Suspended}; null means Running. */
  public String getOperatingMode() {
    return operatingMode;
  }

  public void setOperatingMode(String operatingMode) {
    this.operatingMode = operatingMode;
  }

  public Boolean getService() {
    return service;
  }

  public void setService(Boolean service) {
    this.service = service;
  }
}
