package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.v1alpha1.BaseSandboxClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a v1beta1 {@link SandboxClaim}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxClaimSpec extends BaseSandboxClaimSpec {
  private WarmPoolRef warmPoolRef;
  private List<PersistentVolumeClaimTemplate> volumeClaimTemplates;

  /** The warm pool to take the sandbox from; required. */
  public WarmPoolRef getWarmPoolRef() {
    return warmPoolRef;
  }

  /** Sets {@link #getWarmPoolRef()}. */
  public void setWarmPoolRef(WarmPoolRef warmPoolRef) {
    this.warmPoolRef = warmPoolRef;
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
