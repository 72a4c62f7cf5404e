package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata;
import dev.agentsandbox.model.v1alpha1.ClaimEnvVar;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a v1beta1 {@link SandboxClaim}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxClaimSpec {
  private WarmPoolRef warmPoolRef;
  private Lifecycle lifecycle;
  private AdditionalPodMetadata additionalPodMetadata;
  private List<ClaimEnvVar> env;
  private List<PersistentVolumeClaimTemplate> volumeClaimTemplates;

  /** The warm pool to take the sandbox from; required. */
  public WarmPoolRef getWarmPoolRef() {
    return warmPoolRef;
  }

  /** Sets {@link #getWarmPoolRef()}. */
  public void setWarmPoolRef(WarmPoolRef warmPoolRef) {
    this.warmPoolRef = warmPoolRef;
  }

  /** When and how the claim expires; null means never. */
  public Lifecycle getLifecycle() {
    return lifecycle;
  }

  /** Sets {@link #getLifecycle()}. */
  public void setLifecycle(Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  /** Extra labels and annotations for the sandbox's pod, or null. */
  public AdditionalPodMetadata getAdditionalPodMetadata() {
    return additionalPodMetadata;
  }

  /** Sets {@link #getAdditionalPodMetadata()}. */
  public void setAdditionalPodMetadata(AdditionalPodMetadata additionalPodMetadata) {
    this.additionalPodMetadata = additionalPodMetadata;
  }

  /**
   * Environment variables to inject into the sandbox, if the template's
   * {@code envVarsInjectionPolicy} allows it.
   */
  public List<ClaimEnvVar> getEnv() {
    return env;
  }

  /** Sets {@link #getEnv()}; the list is copied. */
  public void setEnv(List<ClaimEnvVar> env) {
    this.env = env == null ? null : new ArrayList<>(env);
  }

  /**
   * PVCs to create for the claim's sandbox; the template's {@code volumeClaimTemplatesPolicy}
   * decides whether they are allowed. New in v1beta1.
   */
  public List<PersistentVolumeClaimTemplate> getVolumeClaimTemplates() {
    return volumeClaimTemplates;
  }

  /** Sets {@link #getVolumeClaimTemplates()}; the list is copied. */
  public void setVolumeClaimTemplates(List<PersistentVolumeClaimTemplate> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null
        : new ArrayList<>(volumeClaimTemplates);
  }
}
