package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxFleet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether sandboxes can be used: the API server answers and serves the agent-sandbox claims
 * (the fleet's claims are listed), and, in tunnel mode, the sandbox router's Service selects a
 * ready pod. Down, with the reason, otherwise.
 *
 * @since 0.1.0
 */
public class AgentSandboxHealthIndicator extends AbstractHealthIndicator {
  private final SandboxFleet fleet;
  private final KubernetesClient client;
  private final AgentSandboxProperties properties;

  /**
   * Creates the indicator.
   *
   * @param fleet the fleet
   * @param client its Kubernetes client
   * @param properties the settings, for the connection mode
   */
  public AgentSandboxHealthIndicator(SandboxFleet fleet, KubernetesClient client,
      AgentSandboxProperties properties) {
    super("Agent sandbox health check failed");
    this.fleet = fleet;
    this.client = client;
    this.properties = properties;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    int claims = fleet.list(Map.of()).size();
    builder.withDetail("namespace", fleet.namespace()).withDetail("claims", claims)
        .withDetail("connection", properties.connection().mode());
    if (!properties.connection().mode().equalsIgnoreCase("tunnel")) {
      builder.up();
      return;
    }
    String routerNamespace = properties.connection().routerNamespace();
    List<String> candidates = routerNamespace != null ? List.of(routerNamespace)
        : List.of(fleet.namespace(), ConnectionMode.FALLBACK_ROUTER_NAMESPACE);
    for (String namespace : candidates) {
      Service service = client.services().inNamespace(namespace)
          .withName(ConnectionMode.Tunnel.ROUTER_SERVICE).get();
      if (service == null) {
        continue;
      }
      Map<String, String> selector = service.getSpec() == null ? null
          : service.getSpec().getSelector();
      long ready = selector == null || selector.isEmpty() ? 0
          : client.pods().inNamespace(namespace).withLabels(selector).list().getItems().stream()
              .filter(AgentSandboxHealthIndicator::isReady).count();
      builder.withDetail("router", namespace + "/" + ConnectionMode.Tunnel.ROUTER_SERVICE)
          .withDetail("routerReadyPods", ready);
      if (ready > 0) {
        builder.up();
      } else {
        builder.down().withDetail("reason", "the sandbox router has no ready pod");
      }
      return;
    }
    builder.down().withDetail("reason", "no Service " + ConnectionMode.Tunnel.ROUTER_SERVICE
        + " in " + String.join(" or ", candidates));
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
