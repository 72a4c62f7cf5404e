package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired state of a {@link SandboxClaim}.
 *
 * @param sandboxTemplateRef the template to make the sandbox from, in the claim's namespace;
 *     required
 * @param warmpool where the sandbox may come from: {@link #WARMPOOL_DEFAULT} (any pool of the
 *     template), {@link #WARMPOOL_NONE} (always a fresh sandbox) or the name of one pool; null
 *     means default. v0.3+.
 * @param lifecycle see {@link BaseSandboxClaimSpec#lifecycle()}
 * @param additionalPodMetadata see {@link BaseSandboxClaimSpec#additionalPodMetadata()}
 * @param env see {@link BaseSandboxClaimSpec#env()}; the list is copied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"lifecycle", "additionalPodMetadata", "env"})
public record SandboxClaimSpec(TemplateRef sandboxTemplateRef, String warmpool,
    Lifecycle lifecycle, AdditionalPodMetadata additionalPodMetadata, List<ClaimEnvVar> env)
    implements BaseSandboxClaimSpec {
  /** Warm pool policy: adopt from any pool of the template (the default). */
  public static final String WARMPOOL_DEFAULT = "default";
  /** Warm pool policy: always create a fresh sandbox. */
  public static final String WARMPOOL_NONE = "none";

  /** Copies the list of variables; a null list stays null. */
  public SandboxClaimSpec {
    env = env == null ? null : new ArrayList<>(env);
  }

  /**
   * A claim for a sandbox of the given template, from any of its warm pools, that never expires.
   *
   * @param sandboxTemplateRef the template to make the sandbox from
   */
  public SandboxClaimSpec(TemplateRef sandboxTemplateRef) {
    this(sandboxTemplateRef, null, null, null, null);
  }
}
