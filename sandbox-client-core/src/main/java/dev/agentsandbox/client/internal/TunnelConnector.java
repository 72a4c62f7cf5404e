package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxConnectionException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port-forward tunnel to a ready router pod, shared by every sandbox of a client, and one
 * HTTP client over it. The tunnel is opened on first use and re-opened, to a ready pod found
 * afresh, when it stopped accepting connections or when a failed request finds its router pod
 * gone, deleted, replaced or no longer ready. Thread-safe: concurrent failures re-open it once.
 */
public final class TunnelConnector extends TransportConnector implements SharedRoute {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelConnector.class);
  private static final String SERVICE = ConnectionMode.Tunnel.ROUTER_SERVICE;

  private final KubernetesClient kubernetes;
  private final String configuredNamespace;
  private final String sandboxNamespace;
  private final AtomicInteger opened = new AtomicInteger();
  private final Object lock = new Object();
  private volatile RouterTunnel tunnel;
  /** The latest tunnel, even if dropped, for error messages. */
  private volatile RouterTunnel lastTunnel;
  private volatile String routerNamespace;
  private boolean closed;

  TunnelConnector(KubernetesClient kubernetes, String configuredNamespace, String sandboxNamespace,
      HttpSettings settings, Supplier<String> authToken) {
    super(settings, new HttpTransport(settings, true, authToken, null, null));
    this.kubernetes = kubernetes;
    this.configuredNamespace = configuredNamespace;
    this.sandboxNamespace = sandboxNamespace;
  }

  @Override
  public RuntimeHttpApi connect(SandboxRef ref) throws InterruptedException {
    HeaderValues.requireRoutable(ref);
    current(ref);
    RuntimeHttpApi http = api(endpoint(ref), ref);
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
    String namespace = routerNamespace;
    return "tunnel to the router in namespace "
        + (namespace != null ? namespace : configuredNamespace != null ? configuredNamespace
            : sandboxNamespace + " (or " + ConnectionMode.FALLBACK_ROUTER_NAMESPACE + ")");
  }

  /** How many tunnels this connector opened so far, re-openings included. */
  public int tunnelsOpened() {
    return opened.get();
  }

  /** The tunnel in use, if one is open. */
  public RouterTunnel currentTunnel() {
    return tunnel;
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (tunnel != null) {
        drop(tunnel);
      }
    }
    super.close();
  }

  /** The open tunnel, opening one if there is none or it died. */
  private RouterTunnel current(SandboxRef ref) throws InterruptedException {
    RouterTunnel t = tunnel;
    if (t != null && t.isAlive()) {
      return t;
    }
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the connection to the sandboxes is closed");
      }
      t = tunnel;
      if (t != null && t.isAlive()) {
        return t;
      }
      boolean reopening = t != null || opened.get() > 0;
      if (t != null) {
        drop(t);
      }
      t = open(ref, reopening);
      tunnel = t;
      lastTunnel = t;
      opened.incrementAndGet();
      if (reopening) {
        LOG.info("Re-opened the tunnel to the sandbox router: pod {}/{}", routerNamespace, t.podName());
      }
      return t;
    }
  }

  private RouterTunnel open(SandboxRef ref, boolean reopening) throws InterruptedException {
    String namespace = routerNamespace;
    try {
      Service svc;
      if (namespace == null) {
        namespace = configuredNamespace != null ? configuredNamespace : sandboxNamespace;
        svc = service(namespace);
        if (svc == null && configuredNamespace == null
            && !sandboxNamespace.equals(ConnectionMode.FALLBACK_ROUTER_NAMESPACE)) {
          svc = service(ConnectionMode.FALLBACK_ROUTER_NAMESPACE);
          if (svc != null) {
            namespace = ConnectionMode.FALLBACK_ROUTER_NAMESPACE;
          }
        }
        if (svc == null) {
          throw failure("Service '" + SERVICE + "' not found in namespace '" + namespace + "'"
              + (configuredNamespace == null && !namespace.equals(ConnectionMode.FALLBACK_ROUTER_NAMESPACE)
                  ? " (nor in '" + ConnectionMode.FALLBACK_ROUTER_NAMESPACE + "')" : ""),
              namespace, ref, null);
        }
        routerNamespace = namespace;
      } else {
        svc = service(namespace);
        if (svc == null) {
          throw failure("Service '" + SERVICE + "' not found in namespace '" + namespace + "'",
              namespace, ref, null);
        }
      }
      Map<String, String> selector = svc.getSpec() == null ? null : svc.getSpec().getSelector();
      if (selector == null || selector.isEmpty()) {
        throw failure("Service '" + SERVICE + "' in namespace '" + namespace
            + "' has no pod selector", namespace, ref, null);
      }
      // After a failure the replacement pod may still be starting: give it the connect timeout.
      Pod pod = readyPod(namespace, selector, reopening ? settings.connectTimeout() : Duration.ZERO);
      if (pod == null) {
        throw failure("no ready pod behind Service '" + SERVICE + "' in namespace '" + namespace
            + "'", namespace, ref, null);
      }
      int port = targetPort(svc, pod, namespace, ref);
      try {
        return RouterTunnel.open(kubernetes, namespace, pod.getMetadata().getName(),
            pod.getMetadata().getUid(), port);
      } catch (IOException e) {
        throw failure("cannot listen on a loopback port: " + e, namespace, ref, e);
      }
    } catch (KubernetesClientException e) {
      SandboxClaimWatcher.throwIfInterrupted(e);
      throw failure("cannot look up Service '" + SERVICE + "' and its pods in namespace '"
          + namespace + "': " + e.getMessage(), namespace, ref, e);
    }
  }

  private Service service(String namespace) {
    return kubernetes.services().inNamespace(namespace).withName(SERVICE).get();
  }

  private Pod readyPod(String namespace, Map<String, String> selector, Duration wait)
      throws InterruptedException {
    List<Pod> ready = kubernetes.pods().inNamespace(namespace).withLabels(selector).list()
        .getItems().stream().filter(TunnelConnector::isReady).toList();
    if (ready.isEmpty() && !wait.isZero()) {
      CompletableFuture<List<Pod>> appeared = kubernetes.pods().inNamespace(namespace)
          .withLabels(selector)
          .informOnCondition(pods -> pods.stream().anyMatch(TunnelConnector::isReady));
      try {
        ready = appeared.get(wait.toMillis(), TimeUnit.MILLISECONDS).stream()
            .filter(TunnelConnector::isReady).toList();
      } catch (TimeoutException e) {
        return null;
      } catch (ExecutionException e) {
        LOG.debug("Waiting for a ready router pod failed", e.getCause());
        return null;
      } finally {
        appeared.cancel(true);
      }
    }
    if (ready.isEmpty()) {
      return null;
    }
    // Spread clients over router replicas.
    return ready.get(ThreadLocalRandom.current().nextInt(ready.size()));
  }

  /** Called after a failed attempt: drops the tunnel if its pod no longer serves. */
  private void checkTunnel(RouterTunnel used) {
    synchronized (lock) {
      if (closed || tunnel != used) {
        return; // already replaced by another thread
      }
      if (used.isAlive() && podStillServes(used)) {
        return;
      }
      LOG.info("Router pod {}/{} is gone or not ready; the tunnel will be re-opened",
          routerNamespace, used.podName());
      drop(used);
    }
  }

  /** Closes the tunnel and the connections through it; holding the lock. */
  private void drop(RouterTunnel t) {
    t.close();
    tunnel = null;
    transport.evictIdleConnections();
  }

  private boolean podStillServes(RouterTunnel used) {
    try {
      Pod pod = kubernetes.pods().inNamespace(routerNamespace).withName(used.podName()).get();
      return pod != null && isReady(pod) && (used.podUid() == null
          || used.podUid().equals(pod.getMetadata().getUid()));
    } catch (KubernetesClientException e) {
      // The API cannot tell us; keep the tunnel rather than churn it.
      LOG.debug("Cannot check router pod {}/{}: {}", routerNamespace, used.podName(), e.toString());
      if (e.getCause() instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return true;
    }
  }

  static boolean isReady(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
        || !"Running".equals(pod.getStatus().getPhase())) {
      return false;
    }
    List<PodCondition> conditions = pod.getStatus().getConditions();
    return conditions != null && conditions.stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static int targetPort(Service svc, Pod pod, String namespace, SandboxRef ref) {
    List<ServicePort> ports = svc.getSpec().getPorts() == null ? List.of() : svc.getSpec().getPorts();
    ServicePort servicePort = ports.stream()
        .filter(p -> p.getPort() != null && p.getPort() == ConnectionMode.Tunnel.ROUTER_PORT)
        .findFirst()
        .orElseGet(() -> ports.size() == 1 ? ports.get(0) : null);
    if (servicePort == null) {
      throw failure("Service '" + svc.getMetadata().getName() + "' has no port "
          + ConnectionMode.Tunnel.ROUTER_PORT, namespace, ref, null);
    }
    IntOrString target = servicePort.getTargetPort();
    if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
      return servicePort.getPort();
    }
    if (target.getIntVal() != null) {
      return target.getIntVal();
    }
    String name = target.getStrVal();
    List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
    return containers.stream()
        .flatMap(c -> c.getPorts() == null ? Stream.<ContainerPort>empty() : c.getPorts().stream())
        .filter(p -> name.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> failure("pod " + pod.getMetadata().getName()
            + " has no container port named '" + name + "'", namespace, ref, null));
  }

  private static SandboxConnectionException failure(String problem, String routerNamespace,
      SandboxRef ref, Throwable cause) {
    return new SandboxConnectionException("Cannot reach the sandbox router through a tunnel: "
        + problem + ". " + RouterTunnel.hint(routerNamespace), ref.claimName(), ref.namespace(),
        cause);
  }

  @Override
  public SandboxEndpoint.Target target(SandboxRef ref) throws InterruptedException {
    RouterTunnel t = current(ref);
    return new SandboxEndpoint.Target(t.baseUrl(), t);
  }

  @Override
  public String awaited() {
    return "re-opening the tunnel to the sandbox router";
  }

  @Override
  public void connectionFailed(SandboxEndpoint.Target target, IOException cause) {
    if (target.witness() instanceof RouterTunnel used) {
      checkTunnel(used);
    }
  }

  @Override
  public String hint() {
    RouterTunnel t = lastTunnel;
    String namespace = routerNamespace;
    if (t == null || t.routerMayBeMissing()) {
      return (t != null ? t.diagnostics() + " " : "")
          + RouterTunnel.hint(namespace != null ? namespace : sandboxNamespace);
    }
    // Nothing the tunnel saw points at the router's deployment: say what happened, not that.
    return t.diagnostics() + " If transfers keep breaking, check the logs of the API server and of "
        + "router pod " + namespace + "/" + t.podName();
  }
}
