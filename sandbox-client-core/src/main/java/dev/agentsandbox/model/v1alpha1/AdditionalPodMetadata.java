package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Labels and annotations a claim adds to its sandbox's pod ({@code spec.additionalPodMetadata},
 * v0.4+). They are kept on the pod for as long as the claim owns the sandbox.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class AdditionalPodMetadata {
  private Map<String, String> labels;
  private Map<String, String> annotations;

  /**
   * Labels to merge into the pod template's labels. Keys in a reserved domain
   * ({@code kubernetes.io}, {@code k8s.io}, {@code agents.x-k8s.io} or a subdomain of one) are
   * refused, and so is a key the template sets to a different value.
   */
  public Map<String, String> getLabels() {
    return labels;
  }

  /** Sets {@link #getLabels()}; the map is copied. */
  public void setLabels(Map<String, String> labels) {
    this.labels = labels == null ? null : new LinkedHashMap<>(labels);
  }

  /**
   * Annotations to merge into the pod template's annotations, under the same rules as
   * {@link #getLabels()}.
   */
  public Map<String, String> getAnnotations() {
    return annotations;
  }

  /** Sets {@link #getAnnotations()}; the map is copied. */
  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations == null ? null : new LinkedHashMap<>(annotations);
  }
}
