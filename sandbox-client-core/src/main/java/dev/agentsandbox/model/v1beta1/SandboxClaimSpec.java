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

  public void setWarmPoolRef(WarmPoolRef warmPoolRef) {
    this.warmPoolRef = warmPoolRef;
  }

  public Lifecycle getLifecycle() {
    return lifecycle;
  }

  public void setLifecycle(Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  public AdditionalPodMetadata getAdditionalPodMetadata() {
    return additionalPodMetadata;
  }

  public void setAdditionalPodMetadata(AdditionalPodMetadata additionalPodMetadata) {
    this.additionalPodMetadata = additionalPodMetadata;
  }

  public List<ClaimEnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<ClaimEnvVar> env) {
    this.env = env == null ? null : new ArrayList<>(env);
  }

  /** PVCs to create for the claim's sandbox; the template's policy decides whether allowed. */
  public List<PersistentVolumeClaimTemplate> getVolumeClaimTemplates() {
    return volumeClaimTemplates;
  }

  public void setVolumeClaimTemplates(List<PersistentVolumeClaimTemplate> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates == null ? null
        : new ArrayList<>(volumeClaimTemplates);
  }
}
