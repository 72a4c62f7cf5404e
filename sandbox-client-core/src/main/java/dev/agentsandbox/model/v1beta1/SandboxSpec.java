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

  /** Template of the sandbox's single pod, which is named like the sandbox; required. */
  public PodTemplateSpec getPodTemplate() {
    return podTemplate;
  }

  /** Sets {@link #getPodTemplate()}. */
  public void setPodTemplate(PodTemplateSpec podTemplate) {
    this.podTemplate = podTemplate;
  }

  /**
   * PVCs to create for the sandbox, each named {@code <template name>-<sandbox name>} and mounted
   * as the pod volume of the template's name. They outlive suspension and expiry.
   */
  public List<PersistentVolumeClaimTemplate> getVolumeClaimTemplates() {
    return volumeClaimTemplates;
  }

  /** Sets {@link #getVolumeClaimTemplates()}; the list is copied. */
  public void setVolumeClaimTemplates(List<PersistentVolumeClaimTemplate> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null
        : new ArrayList<>(volumeClaimTemplates);
  }

  /** RFC 3339 time after which the sandbox expires, or null. */
  public String getShutdownTime() {
    return shutdownTime;
  }

  /** Sets {@link #getShutdownTime()}. */
  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  /** What happens at expiry: {@code Delete} or {@code Retain}; null means Retain. */
  public String getShutdownPolicy() {
    return shutdownPolicy;
  }

  /** Sets {@link #getShutdownPolicy()}. */
  public void setShutdownPolicy(String shutdownPolicy) {
    this.shutdownPolicy = shutdownPolicy;
  }

  /**
   * {@link #MODE_RUNNING} or {@link #MODE_SUSPENDED}; null means Running. Replaces the v1alpha1
   * {@code replicas}.
   */
  public String getOperatingMode() {
    return operatingMode;
  }

  /** Sets {@link #getOperatingMode()}. */
  public void setOperatingMode(String operatingMode) {
    this.operatingMode = operatingMode;
  }

  /**
   * True to keep a headless Service named after the sandbox, false to delete the one it owns, null
   * to create none but keep one it already owns.
   */
  public Boolean getService() {
    return service;
  }

  /** Sets {@link #getService()}. */
  public void setService(Boolean service) {
    this.service = service;
  }
}
