package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;

/** Creates the {@link SandboxConnector} for a {@link ConnectionMode}. */
public final class SandboxConnectors {
  private SandboxConnectors() {
  }

  /**
   * Creates a connector; opens nothing until the first {@link SandboxConnector#connect}.
   *
   * @param mode how to reach the sandboxes
   * @param kubernetes the client's Kubernetes client (used, never closed)
   * @param sandboxNamespace namespace of the client's sandboxes: where the tunnel looks for the
   *     router first, and the Gateway's namespace unless the mode names one
   * @param settings transport settings shared by every sandbox
   */
  public static SandboxConnector create(ConnectionMode mode, KubernetesClient kubernetes,
      String sandboxNamespace, HttpSettings settings) {
    Objects.requireNonNull(mode, "mode");
    if (mode instanceof ConnectionMode.Tunnel t) {
      return new TunnelConnector(kubernetes, t.routerNamespace(), sandboxNamespace,
          settings, t.authToken());
    }
    if (mode instanceof ConnectionMode.Gateway g) {
      return new GatewayConnector(kubernetes, g,
          g.namespace() != null ? g.namespace() : sandboxNamespace, settings);
    }
    if (mode instanceof ConnectionMode.InCluster c) {
      return new InClusterConnector(kubernetes, c.clusterDomain(), settings);
    }
    return new DirectConnector((ConnectionMode.Direct) mode, settings);
  }
}
