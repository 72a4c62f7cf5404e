package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** Desired state of a {@link SandboxClaim}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SandboxClaimSpec extends BaseSandboxClaimSpec {
  /** Warm pool policy: adopt from any pool of the template (the default). */
  public static final String WARMPOOL_DEFAULT = "default";
  /** Warm pool policy: always create a fresh sandbox. */
  public static final String WARMPOOL_NONE = "none";

  private TemplateRef sandboxTemplateRef;
  private String warmpool;

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
}
