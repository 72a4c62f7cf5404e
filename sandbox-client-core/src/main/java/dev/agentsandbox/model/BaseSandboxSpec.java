package dev.agentsandbox.model;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The desired state a Sandbox has in both API versions; {@code v1alpha1} adds {@code replicas},
 * which {@code v1beta1} replaces with {@code operatingMode}.
 *
 * @since 0.1.0
 */
public abstract class BaseSandboxSpec {
  /** Shutdown policy that deletes the sandbox when it expires. */
  public static final String SHUTDOWN_DELETE = "Delete";
  /** Shutdown policy that keeps the (emptied) sandbox when it expires; the CRD default. */
  public static final String SHUTDOWN_RETAIN = "Retain";

  private PodTemplateSpec podTemplate;
  private List<PersistentVolumeClaimTemplate> volumeClaimTemplates;
  private String shutdownTime;
  private String shutdownPolicy;
  private Boolean service;

  /** For subclasses. */
  protected BaseSandboxSpec() {
  }

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

  /**
   * What happens at expiry: {@link #SHUTDOWN_DELETE} or {@link #SHUTDOWN_RETAIN}; null means
   * Retain. Controller v0.1.0 does not know the field and always retains.
   */
  public String getShutdownPolicy() {
    return shutdownPolicy;
  }

  /** Sets {@link #getShutdownPolicy()}. */
  public void setShutdownPolicy(String shutdownPolicy) {
    this.shutdownPolicy = shutdownPolicy;
  }

  /**
   * True to keep a headless Service named after the sandbox, false to delete the one it owns, null
   * to create none but keep one it already owns. Controllers before v0.4.6 always create the
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
