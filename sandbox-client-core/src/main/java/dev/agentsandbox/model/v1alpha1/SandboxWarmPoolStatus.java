package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Observed state of a {@link SandboxWarmPool}.
 *
 * @param replicas how many sandboxes the pool had when it was last reconciled; null when none
 * @param readyReplicas how many of the pool's sandboxes are Ready; null when none, and never
 *     written by v0.1.0
 * @param selector label selector of the pool's sandboxes,
 *     {@code agents.x-k8s.io/warm-pool-sandbox=<hash>}, used by the scale subresource; not written
 *     by v0.1.0
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxWarmPoolStatus(Integer replicas, Integer readyReplicas, String selector) {
}
