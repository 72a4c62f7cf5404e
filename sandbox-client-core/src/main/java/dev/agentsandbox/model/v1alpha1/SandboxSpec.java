package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a {@link Sandbox}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxSpec {
  /** Shutdown policy that deletes the sandbox when it expires. */
  public static final String SHUTDOWN_DELETE = "Delete";
  /** Shutdown policy that keeps the (emptied) sandbox when it expires; the CRD default. */
  public static final String SHUTDOWN_RETAIN = "Retain";

  private PodTemplateSpec podTemplate;
  private List<PersistentVolumeClaimTemplate> volumeClaimTemplates;
  private String shutdownTime;
  private String shutdownPolicy;
  private Integer replicas;
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
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null : new ArrayList<>(volumeClaimTemplates);
  }

  /** RFC 3339 time after which the sandbox expires, or null. */
  public String getShutdownTime() {
    return shutdownTime;
  }

  /** Sets {@link #getShutdownTime()}. */
  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  /**
   * What happens at expiry: {@link #SHUTDOWN_DELETE} or {@link #SHUTDOWN_RETAIN}; null means
   * Retain. Not in v0.1.0, which always retains.
   */
  public String getShutdownPolicy() {
    return shutdownPolicy;
  }

  /** Sets {@link #getShutdownPolicy()}. */
  public void setShutdownPolicy(String shutdownPolicy) {
    this.shutdownPolicy = shutdownPolicy;
  }

  /** 1 to run the pod, 0 to suspend (the pod goes, service and PVCs stay); null means 1. */
  public Integer getReplicas() {
    return replicas;
  }

  /** Sets {@link #getReplicas()}. */
  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  /**
   * True to keep a headless Service named after the sandbox, false to delete the one it owns, null
   * to create none but keep one it already owns. v0.4.6+; earlier controllers always create the
   * Service.
   */
  public Boolean getService() {
    return service;
  }

  /** Sets {@link #getService()}. */
  public void setService(Boolean service) {
    this.service = service;
  }
}
