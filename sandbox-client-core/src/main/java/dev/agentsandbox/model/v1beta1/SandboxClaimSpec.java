package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata;
import dev.agentsandbox.model.v1alpha1.BaseSandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.ClaimEnvVar;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired state of a v1beta1 {@link SandboxClaim}.
 *
 * @param warmPoolRef the warm pool to take the sandbox from; required
 * @param volumeClaimTemplates PVCs to create for the claim's sandbox, or null; the template's
 *     {@code volumeClaimTemplatesPolicy} decides whether they are allowed. New in v1beta1. The
 *     list is copied.
 * @param lifecycle see {@link BaseSandboxClaimSpec#lifecycle()}
 * @param additionalPodMetadata see {@link BaseSandboxClaimSpec#additionalPodMetadata()}
 * @param env see {@link BaseSandboxClaimSpec#env()}; the list is copied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"lifecycle", "additionalPodMetadata", "env", "warmPoolRef"})
public record SandboxClaimSpec(WarmPoolRef warmPoolRef,
    List<PersistentVolumeClaimTemplate> volumeClaimTemplates, Lifecycle lifecycle,
    AdditionalPodMetadata additionalPodMetadata, List<ClaimEnvVar> env)
    implements BaseSandboxClaimSpec {
  /** Copies both lists; a null list stays null. */
  public SandboxClaimSpec {
    volumeClaimTemplates = volumeClaimTemplates == null ? null
        : new ArrayList<>(volumeClaimTemplates);
    env = env == null ? null : new ArrayList<>(env);
  }
}
