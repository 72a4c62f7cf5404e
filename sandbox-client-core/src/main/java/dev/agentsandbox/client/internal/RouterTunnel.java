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
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process port-forward from a free loopback port to one ready pod behind the router
 * Service. The pod is resolved here rather than by fabric8's service port-forward, which takes
 * the first pod matching the selector even when it is not ready or is terminating. Every local
 * connection opens its own port-forward stream to that pod.
 */
public final class RouterTunnel implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RouterTunnel.class);

  private final LocalPortForward forward;
  private final String namespace;
  private final String podName;
  private final int podPort;

  private RouterTunnel(LocalPortForward forward, String namespace, String podName, int podPort) {
    this.forward = forward;
    this.namespace = namespace;
    this.podName = podName;
    this.podPort = podPort;
  }

  /**
   * Opens the tunnel. Blocks for the few API calls needed to find the pod.
   *
   * @param ref the claim the tunnel serves, for error context
   * @throws SandboxConnectionException if the Service or a ready pod is missing or the
   *     port-forward cannot be opened
   */
  public static RouterTunnel open(KubernetesClient client, String routerNamespace, SandboxRef ref)
      throws InterruptedException {
    String service = ConnectionMode.Tunnel.ROUTER_SERVICE;
    try {
      Service svc = client.services().inNamespace(routerNamespace).withName(service).get();
      if (svc == null) {
        throw failure("Service '" + service + "' not found in namespace '" + routerNamespace + "'",
            routerNamespace, ref, null);
      }
      Map<String, String> selector = svc.getSpec() == null ? null : svc.getSpec().getSelector();
      if (selector == null || selector.isEmpty()) {
        throw failure("Service '" + service + "' in namespace '" + routerNamespace
            + "' has no pod selector", routerNamespace, ref, null);
      }
      List<Pod> ready = client.pods().inNamespace(routerNamespace).withLabels(selector).list()
          .getItems().stream().filter(RouterTunnel::isReady).toList();
      if (ready.isEmpty()) {
        throw failure("no ready pod behind Service '" + service + "' in namespace '"
            + routerNamespace + "'", routerNamespace, ref, null);
      }
      // Spread clients over router replicas.
      Pod pod = ready.get(ThreadLocalRandom.current().nextInt(ready.size()));
      int port = targetPort(svc, pod, routerNamespace, ref);
      String podName = pod.getMetadata().getName();
      LocalPortForward forward = client.pods().inNamespace(routerNamespace).withName(podName)
          .portForward(port, InetAddress.getLoopbackAddress(), 0);
      LOG.debug("Tunnel {}:{} -> pod {}/{} port {}", forward.getLocalAddress().getHostAddress(),
          forward.getLocalPort(), routerNamespace, podName, port);
      return new RouterTunnel(forward, routerNamespace, podName, port);
    } catch (KubernetesClientException | IllegalStateException e) {
      if (e instanceof KubernetesClientException kce) {
        SandboxClaimWatcher.throwIfInterrupted(kce);
      }
      throw failure("cannot open a port-forward to Service '" + service + "' in namespace '"
          + routerNamespace + "': " + e.getMessage(), routerNamespace, ref, e);
    }
  }

  /** The loopback URL the router is reachable at while the tunnel is open. */
  public HttpUrl baseUrl() {
    return new HttpUrl.Builder().scheme("http")
        .host(forward.getLocalAddress().getHostAddress())
        .port(forward.getLocalPort())
        .build();
  }

  /** What the port-forward reports, for error messages; never contains request data. */
  public String diagnostics() {
    StringBuilder out = new StringBuilder("Port-forward to pod ").append(namespace).append('/')
        .append(podName).append(" port ").append(podPort);
    if (!forward.isAlive()) {
      out.append(" is closed");
    }
    appendLast(out, "client error", forward.getClientThrowables());
    appendLast(out, "server error", forward.getServerThrowables());
    return out.append('.').toString();
  }

  @Override
  public void close() {
    try {
      forward.close();
    } catch (IOException e) {
      LOG.debug("Closing the port-forward to pod {}/{} failed", namespace, podName, e);
    }
  }

  private static void appendLast(StringBuilder out, String what, Collection<Throwable> errors) {
    Throwable last = null;
    for (Throwable t : errors) {
      last = t;
    }
    if (last != null) {
      out.append("; last ").append(what).append(": ").append(last);
    }
  }

  private static boolean isReady(Pod pod) {
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
        .orElseThrow(() -> failure("pod " + pod.getMetadata().getName() + " has no container port named '"
            + name + "'", namespace, ref, null));
  }

  private static SandboxConnectionException failure(String problem, String routerNamespace,
      SandboxRef ref, Throwable cause) {
    return new SandboxConnectionException("Cannot reach the sandbox router through a tunnel: "
        + problem + ". " + hint(routerNamespace), ref.claimName(), ref.namespace(), cause);
  }

  /** What a user can do when the tunnel does not work. */
  public static String hint(String routerNamespace) {
    return "Is the sandbox router deployed (Service '" + ConnectionMode.Tunnel.ROUTER_SERVICE
        + "' in namespace '" + routerNamespace + "')? If it runs elsewhere use "
        + "ConnectionMode.tunnel(\"<router namespace>\"), or ConnectionMode.direct(\"<router url>\") "
        + "when it is reachable by URL";
  }
}
