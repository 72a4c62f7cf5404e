package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The sandbox a claim points at. Controllers up to v0.2 wrote the name as {@code Name}; it is
 * read under either spelling and always written as {@code name}.
 *
 * @param name name of the Sandbox serving the claim, the value routers expect in
 *     {@code X-Sandbox-ID}. From v0.3 it differs from the claim name when the sandbox came from a
 *     warm pool.
 * @param podIPs the pod IPs of the sandbox's pod, copied from the Sandbox's status; never written
 *     by v0.1.0 controllers, and absent while the pod has no IP. The list is copied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClaimedSandbox(@JsonProperty("name") @JsonAlias("Name") String name,
    List<String> podIPs) {
  /** Copies the list; a null list stays null. */
  public ClaimedSandbox {
    podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }
}
