package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Labels and annotations a claim adds to its sandbox's pod ({@code spec.additionalPodMetadata},
 * controllers from v0.4). They are kept on the pod for as long as the claim owns the sandbox.
 *
 * @param labels labels to merge into the pod template's labels, or null. Keys in a reserved domain
 *     ({@code kubernetes.io}, {@code k8s.io}, {@code agents.x-k8s.io} or a subdomain of one) are
 *     refused, and so is a key the template sets to a different value. The map is copied.
 * @param annotations annotations to merge into the pod template's annotations under the same
 *     rules, or null; the map is copied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdditionalPodMetadata(Map<String, String> labels, Map<String, String> annotations) {
  /** Copies both maps, keeping their order; a null map stays null. */
  public AdditionalPodMetadata {
    labels = labels == null ? null : new LinkedHashMap<>(labels);
    annotations = annotations == null ? null : new LinkedHashMap<>(annotations);
  }
}
