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

  /** 0 (suspended) or 1; null means 1. */
  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  /** True for a headless service, false to remove it, null to leave services alone. */
  public Boolean getService() {
    return service;
  }

  public void setService(Boolean service) {
    this.service = service;
  }
}
