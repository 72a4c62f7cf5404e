package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a {@link SandboxClaim}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxClaimSpec {
  /** Warm pool policy: adopt from any pool of the template (the default). */
  public static final String WARMPOOL_DEFAULT = "default";
  /** Warm pool policy: always create a fresh sandbox. */
  public static final String WARMPOOL_NONE = "none";

  private TemplateRef sandboxTemplateRef;
  private String warmpool;
  private Lifecycle lifecycle;
  private AdditionalPodMetadata additionalPodMetadata;
  private List<ClaimEnvVar> env;

  public TemplateRef getSandboxTemplateRef() {
    return sandboxTemplateRef;
  }

  public void setSandboxTemplateRef(TemplateRef sandboxTemplateRef) {
    this.sandboxTemplateRef = sandboxTemplateRef;
  }

  /** {@code default}, {@code none} or a pool name; null means default. */
  public String getWarmpool() {
    return warmpool;
  }

  public void setWarmpool(String warmpool) {
    this.warmpool = warmpool;
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
}
