package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.List;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Straight to each sandbox's pod: its IP from the Sandbox's status (IPv4 first), else the
 * sandbox Service's cluster DNS name. No router, so no router headers and no token.
 */
final class InClusterConnector extends TransportConnector {
  private static final Logger LOG = LoggerFactory.getLogger(InClusterConnector.class);

  private final KubernetesClient kubernetes;
  private final String clusterDomain;

  InClusterConnector(KubernetesClient kubernetes, String clusterDomain, HttpSettings settings) {
    super(settings, new HttpTransport(settings, false, null, null, null));
    this.kubernetes = kubernetes;
    this.clusterDomain = clusterDomain;
  }

  @Override
  public RuntimeHttpApi connect(SandboxRef ref) throws InterruptedException {
    HeaderValues.requireRoutable(ref);
    return api(new PodEndpoint(ref, resolve(ref)), ref);
  }

  @Override
  public String describe() {
    return "sandbox pods directly (in-cluster)";
  }

  /** Blocks for one API call. */
  HttpUrl resolve(SandboxRef ref) throws InterruptedException {
    Sandbox sandbox;
    try {
      sandbox = kubernetes.resources(Sandbox.class).inNamespace(ref.namespace())
          .withName(ref.sandboxName()).get();
    } catch (KubernetesClientException e) {
      SandboxClaimWatcher.throwIfInterrupted(e);
      throw new SandboxConnectionException("Cannot read Sandbox '" + ref.sandboxName()
          + "' in namespace '" + ref.namespace() + "' to find its pod (HTTP " + e.getCode() + "): "
          + e.getMessage(), ref.claimName(), ref.namespace(), e);
    }
    if (sandbox == null) {
      throw new SandboxConnectionException("Sandbox '" + ref.sandboxName() + "' not found in "
          + "namespace '" + ref.namespace() + "': it was deleted, or the claim's status names "
          + "another namespace", ref.claimName(), ref.namespace(), null);
    }
    List<String> ips = sandbox.getStatus() == null || sandbox.getStatus().podIPs() == null
        ? List.of() : sandbox.getStatus().podIPs();
    String ip = ips.stream().filter(InClusterConnector::usable).filter(a -> !a.contains(":"))
        .findFirst()
        .orElseGet(() -> ips.stream().filter(InClusterConnector::usable).findFirst().orElse(null));
    String host = ip != null ? ip
        : ref.sandboxName() + "." + ref.namespace() + ".svc." + clusterDomain;
    return new HttpUrl.Builder().scheme("http").host(host).port(settings.sandboxPort()).build();
  }

  private static boolean usable(String ip) {
    try {
      HeaderValues.requireHost("pod IP", ip);
      return ip.indexOf('.') > 0 || ip.indexOf(':') >= 0;
    } catch (IllegalArgumentException e) {
      LOG.warn("Ignoring pod IP that is not an IP address: {}", e.getMessage());
      return false;
    }
  }

  /** One sandbox's pod; re-read from the Sandbox when a connection to it fails. */
  private final class PodEndpoint implements SandboxEndpoint {
    private final SandboxRef ref;
    private volatile Target target;

    PodEndpoint(SandboxRef ref, HttpUrl url) {
      this.ref = ref;
      this.target = Target.of(url);
    }

    @Override
    public Target target() {
      return target;
    }

    @Override
    public void connectionFailed(Target failed, IOException cause) {
      if (failed != target) {
        return;
      }
      try {
        HttpUrl now = resolve(ref);
        if (!now.equals(failed.baseUrl())) {
          LOG.info("Sandbox {}/{} moved from {} to {}", ref.namespace(), ref.sandboxName(),
              failed.baseUrl(), now);
          target = Target.of(now);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (SandboxException e) {
        LOG.debug("Cannot re-read Sandbox {}/{}: {}", ref.namespace(), ref.sandboxName(), e.getMessage());
      }
    }

    @Override
    public String hint() {
      return "In-cluster mode connects to " + target.baseUrl().host() + " directly: it only works "
          + "where pod IPs are routable (inside the cluster) and network policies allow it; "
          + "from outside use ConnectionMode.tunnel() or ConnectionMode.gateway(...)";
    }
  }
}
