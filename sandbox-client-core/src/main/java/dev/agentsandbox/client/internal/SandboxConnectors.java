package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;
import okhttp3.HttpUrl;

/** Creates the {@link SandboxConnector} for a {@link ConnectionMode}. */
public final class SandboxConnectors {
  private SandboxConnectors() {
  }

  /**
   * @param mode how to reach the sandboxes
   * @param kubernetes the client's Kubernetes client (used, never closed)
   * @param sandboxNamespace namespace of the client's sandboxes (the default router namespace)
   * @param settings transport settings shared by every sandbox
   */
  public static SandboxConnector create(ConnectionMode mode, KubernetesClient kubernetes,
      String sandboxNamespace, HttpSettings settings) {
    Objects.requireNonNull(mode, "mode");
    if (mode instanceof ConnectionMode.Tunnel t) {
      return new TunnelConnector(kubernetes, t.routerNamespace().orElse(sandboxNamespace), settings);
    }
    HttpUrl baseUrl = HttpUrl.get(((ConnectionMode.Direct) mode).baseUrl().toString());
    return new DirectConnector(baseUrl, settings);
  }

  /** A fixed router URL. */
  private static final class DirectConnector implements SandboxConnector {
    private final HttpUrl baseUrl;
    private final HttpSettings settings;

    DirectConnector(HttpUrl baseUrl, HttpSettings settings) {
      this.baseUrl = baseUrl;
      this.settings = settings;
    }

    @Override
    public RuntimeHttpApi connect(SandboxRef ref) {
      return new RuntimeHttpApi(baseUrl, ref, settings,
          () -> "Check that the router at " + baseUrl.redact() + " is reachable from here");
    }

    @Override
    public String describe() {
      return "router at " + baseUrl.redact();
    }

    @Override
    public void close() {
    }
  }

  /** A port-forward to the router Service; opened on first use. */
  private static final class TunnelConnector implements SandboxConnector {
    private final KubernetesClient kubernetes;
    private final String routerNamespace;
    private final HttpSettings settings;
    private RouterTunnel tunnel;
    private boolean closed;

    TunnelConnector(KubernetesClient kubernetes, String routerNamespace, HttpSettings settings) {
      this.kubernetes = kubernetes;
      this.routerNamespace = routerNamespace;
      this.settings = settings;
    }

    @Override
    public synchronized RuntimeHttpApi connect(SandboxRef ref) throws InterruptedException {
      if (closed) {
        throw new IllegalStateException("connector is closed");
      }
      if (tunnel == null) {
        tunnel = RouterTunnel.open(kubernetes, routerNamespace, ref);
      }
      RouterTunnel opened = tunnel;
      RuntimeHttpApi http = new RuntimeHttpApi(opened.baseUrl(), ref, settings,
          () -> opened.diagnostics() + " " + RouterTunnel.hint(routerNamespace));
      try {
        http.probeRouter();
      } catch (RuntimeException e) {
        http.close();
        throw e;
      }
      return http;
    }

    @Override
    public String describe() {
      return "tunnel to the router in namespace " + routerNamespace;
    }

    @Override
    public synchronized void close() {
      closed = true;
      if (tunnel != null) {
        tunnel.close();
        tunnel = null;
      }
    }
  }
}
