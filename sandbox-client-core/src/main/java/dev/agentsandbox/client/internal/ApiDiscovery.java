package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which agent-sandbox API versions the cluster serves, asked once per group version through API
 * discovery and remembered: a cluster's CRDs do not change under a running client often enough
 * to pay a discovery call per sandbox.
 */
public final class ApiDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(ApiDiscovery.class);
  /** Group version of SandboxClaim v1beta1. */
  public static final String CLAIMS_V1BETA1 = "extensions.agents.x-k8s.io/v1beta1";
  /** Group version of Sandbox v1beta1. */
  public static final String SANDBOXES_V1BETA1 = "agents.x-k8s.io/v1beta1";

  private final KubernetesClient kubernetes;
  private final Map<String, Boolean> served = new ConcurrentHashMap<>();

  public ApiDiscovery(KubernetesClient kubernetes) {
    this.kubernetes = kubernetes;
  }

  /** Whether SandboxClaims are served at v1beta1 (reference v0.5 and later). */
  public boolean claimsV1beta1() {
    return serves(CLAIMS_V1BETA1, "sandboxclaims");
  }

  /** Whether Sandboxes are served at v1beta1 (reference v0.5 and later). */
  public boolean sandboxesV1beta1() {
    return serves(SANDBOXES_V1BETA1, "sandboxes");
  }

  /**
   * Whether {@code plural} is served at {@code groupVersion}. An answer from the API server (a
   * list, or 404 for a group version it does not serve) is kept for the life of this object; a
   * failed discovery is not, so the next claim asks again.
   */
  private boolean serves(String groupVersion, String plural) {
    String key = groupVersion + "/" + plural;
    Boolean known = served.get(key);
    if (known != null) {
      return known;
    }
    boolean answer;
    try {
      APIResourceList resources = kubernetes.getApiResources(groupVersion);
      answer = resources != null && resources.getResources() != null
          && resources.getResources().stream().anyMatch(r -> plural.equals(r.getName()));
    } catch (KubernetesClientException e) {
      // Every release serves v1alpha1, so an unanswerable discovery falls back to it, this time.
      LOG.debug("API discovery of {} failed; assuming it is not served for now: {}", groupVersion,
          e.toString());
      if (e.getCode() != 404) {
        return false;
      }
      answer = false;
    }
    LOG.debug("Cluster {} {}", answer ? "serves" : "does not serve", key);
    served.put(key, answer);
    return answer;
  }
}
