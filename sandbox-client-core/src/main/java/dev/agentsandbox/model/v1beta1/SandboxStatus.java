package dev.agentsandbox.model.v1beta1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentsandbox.model.BaseSandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Observed state of a v1beta1 {@link Sandbox}; there is no replica count any more.
 *
 * @param conditions see {@link BaseSandboxStatus#conditions()}; the list is copied
 * @param podIPs see {@link BaseSandboxStatus#podIPs()}; the list is copied
 * @param selector see {@link BaseSandboxStatus#selector()}
 * @param service see {@link BaseSandboxStatus#service()}
 * @param nodeName the node the sandbox's pod runs on, or null; new in v1beta1
 * @param serviceFQDN see {@link BaseSandboxStatus#serviceFQDN()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxStatus(List<Condition> conditions, List<String> podIPs, String selector,
    String service, String nodeName, String serviceFQDN) implements BaseSandboxStatus {
  /** Copies both lists; a null list stays null. */
  public SandboxStatus {
    conditions = conditions == null ? null : new ArrayList<>(conditions);
    podIPs = podIPs == null ? null : new ArrayList<>(podIPs);
  }
}
