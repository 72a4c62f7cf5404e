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

  /** The template to make the sandbox from, in the claim's namespace; required. */
  public TemplateRef getSandboxTemplateRef() {
    return sandboxTemplateRef;
  }

  /** Sets {@link #getSandboxTemplateRef()}. */
  public void setSandboxTemplateRef(TemplateRef sandboxTemplateRef) {
    this.sandboxTemplateRef = sandboxTemplateRef;
  }

  /**
   * Where the sandbox may come from: {@link #WARMPOOL_DEFAULT} (any pool of the template),
   * {@link #WARMPOOL_NONE} (always a fresh sandbox) or the name of one pool; null means default.
   * v0.3+.
   */
  public String getWarmpool() {
    return warmpool;
  }

  /** Sets {@link #getWarmpool()}. */
  public void setWarmpool(String warmpool) {
    this.warmpool = warmpool;
  }

  /** When and how the claim expires; null means never. v0.1.1+. */
  public Lifecycle getLifecycle() {
    return lifecycle;
  }

  /** Sets {@link #getLifecycle()}. */
  public void setLifecycle(Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  /** Extra labels and annotations for the sandbox's pod, or null. v0.4+. */
  public AdditionalPodMetadata getAdditionalPodMetadata() {
    return additionalPodMetadata;
  }

  /** Sets {@link #getAdditionalPodMetadata()}. */
  public void setAdditionalPodMetadata(AdditionalPodMetadata additionalPodMetadata) {
    this.additionalPodMetadata = additionalPodMetadata;
  }

  /**
   * Environment variables to inject into a freshly created sandbox, if the template allows it; the
   * reference controller refuses them unless {@link #getWarmpool()} is {@code none}. v0.4+.
   */
  public List<ClaimEnvVar> getEnv() {
    return env;
  }

  /** Sets {@link #getEnv()}; the list is copied. */
  public void setEnv(List<ClaimEnvVar> env) {
    this.env = env == null ? null : new ArrayList<>(env);
  }
}
