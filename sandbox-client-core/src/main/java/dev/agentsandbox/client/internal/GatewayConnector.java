package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxConnectionException;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router behind a Gateway API Gateway: requests go to the first usable address in the
 * Gateway's {@code status.addresses}, which one watch keeps current for all sandboxes. With a
 * server name configured, URLs carry that name (so it is the {@code Host}, the TLS SNI and the
 * name the certificate is checked against) and it resolves to the Gateway's address.
 */
final class GatewayConnector implements SandboxConnector, SharedRoute {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayConnector.class);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final KubernetesClient kubernetes;
  private final ConnectionMode.Gateway mode;
  private final String namespace;
  private final HttpSettings settings;
  private final HttpTransport transport;
  private final Object lock = new Object();
  private SharedIndexInformer<Gateway> informer;
  private boolean closed;
  /** The usable address, or null. Guarded by lock for writes; read freely. */
  private volatile String address;
  /** Why there is no usable address, for the error if none comes. */
  private volatile String missing = "it has no status.addresses yet";

  GatewayConnector(KubernetesClient kubernetes, ConnectionMode.Gateway mode, String namespace,
      HttpSettings settings) {
    this.kubernetes = kubernetes;
    this.mode = mode;
    this.namespace = namespace;
    this.settings = settings;
    this.transport = new HttpTransport(settings, true, mode.authToken(),
        mode.trust(), mode.serverName() != null ? this::lookup : null);
  }

  @Override
  public RuntimeHttpApi connect(SandboxRef ref) throws InterruptedException {
    HeaderValues.requireRoutable(ref);
    watch(ref);
    awaitAddress(ref);
    return new RuntimeHttpApi(transport, endpoint(ref), ref, settings);
  }

  @Override
  public String describe() {
    String a = address;
    return "Gateway " + namespace + "/" + mode.name() + (a == null ? "" : " at " + a);
  }

  @Override
  public void close() {
    SharedIndexInformer<Gateway> toStop;
    synchronized (lock) {
      closed = true;
      toStop = informer;
      informer = null;
      lock.notifyAll();
    }
    if (toStop != null) {
      toStop.close();
    }
    transport.close();
  }

  private void watch(SandboxRef ref) throws InterruptedException {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the connection to the sandboxes is closed");
      }
      if (informer != null) {
        return;
      }
      SharedIndexInformer<Gateway> started;
      try {
        started = kubernetes.resources(Gateway.class).inNamespace(namespace)
            .withName(mode.name()).inform((StateHandler<Gateway>) this::update, 0);
      } catch (KubernetesClientException e) {
        SandboxClaimWatcher.throwIfInterrupted(e);
        throw new SandboxConnectionException("Cannot watch Gateway '" + mode.name()
            + "' in namespace '" + namespace + "' (HTTP " + e.getCode() + "): " + e.getMessage()
            + ". Is the Gateway API (gateway.networking.k8s.io/v1) installed, and may your "
            + "credentials get, list and watch gateways?", ref.claimName(), ref.namespace(), e);
      }
      if (started.getStore().list().isEmpty()) {
        started.close();
        throw new SandboxConnectionException("Gateway '" + mode.name() + "' not found in "
            + "namespace '" + namespace + "': create it, or name the right one with "
            + "ConnectionMode.gateway(name, namespace)", ref.claimName(), ref.namespace(), null);
      }
      informer = started;
    }
  }

  private void update(Gateway gateway) {
    String next = null;
    String why;
    if (gateway == null) {
      why = "it was deleted";
    } else {
      List<GatewayStatusAddress> addresses = gateway.getStatus() == null
          || gateway.getStatus().getAddresses() == null ? List.of()
          : gateway.getStatus().getAddresses();
      why = addresses.isEmpty() ? "it has no status.addresses yet" : "none of its addresses is usable";
      for (GatewayStatusAddress candidate : addresses) {
        try {
          next = usableAddress(candidate.getValue());
          break;
        } catch (IllegalArgumentException e) {
          LOG.warn("Ignoring an address of Gateway {}/{}: {}", namespace, mode.name(), e.getMessage());
        }
      }
    }
    synchronized (lock) {
      String previous = address;
      address = next;
      missing = why;
      if (next != null && !next.equals(previous)) {
        LOG.info("Gateway {}/{} is at {}", namespace, mode.name(), next);
        transport.evictIdleConnections();
      }
      lock.notifyAll();
    }
  }

  /** The address, waiting up to the address timeout for one. */
  private String awaitAddress(SandboxRef ref) throws InterruptedException {
    String a = address;
    if (a != null) {
      return a;
    }
    long deadline = System.nanoTime() + mode.addressTimeout().toNanos();
    synchronized (lock) {
      while ((a = address) == null) {
        if (closed) {
          throw new IllegalStateException("the connection to the sandboxes is closed");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SandboxConnectionException("Gateway '" + mode.name() + "' in namespace '"
              + namespace + "' has no usable address after " + mode.addressTimeout().toSeconds()
              + " s: " + missing + ". Check the Gateway's status (kubectl describe gateway "
              + mode.name() + " -n " + namespace + "), or wait longer with "
              + "ConnectionMode.gateway(...).withAddressTimeout(...)", ref.claimName(),
              ref.namespace(), null);
        }
        lock.wait(Math.max(1, left / 1_000_000));
      }
      return a;
    }
  }

  /**
   * An address from the Gateway's status as a URL host: an IP (IPv6 with or without brackets)
   * or a host name.
   *
   * @throws IllegalArgumentException if it is neither
   */
  static String usableAddress(String value) {
    String host = value != null && value.startsWith("[") && value.endsWith("]")
        ? value.substring(1, value.length() - 1) : value;
    HeaderValues.requireHost("Gateway address", host);
    // HttpUrl knows IP literals and host names; what it refuses no request could use.
    new HttpUrl.Builder().scheme("http").host(host);
    return host;
  }

  /** The URL for an address; IPv6 literals come out bracketed. */
  static HttpUrl url(ConnectionMode.Gateway mode, String address) {
    return new HttpUrl.Builder().scheme(mode.scheme())
        .host(mode.serverName() != null ? mode.serverName() : address)
        .port(mode.port())
        .build();
  }

  /** Resolves the server name to the Gateway's address; other names as usual. */
  private List<InetAddress> lookup(String hostname) throws UnknownHostException {
    String a = address;
    if (!hostname.equals(mode.serverName()) || a == null) {
      return Dns.SYSTEM.lookup(hostname);
    }
    if (IPV4.matcher(a).matches() || a.indexOf(':') >= 0) {
      return List.of(InetAddress.getByName(a)); // a literal: no lookup happens
    }
    return Dns.SYSTEM.lookup(a);
  }

  @Override
  public SandboxEndpoint.Target target(SandboxRef ref) throws InterruptedException {
    return SandboxEndpoint.Target.of(url(mode, awaitAddress(ref)));
  }

  @Override
  public String awaited() {
    return "waiting for Gateway '" + mode.name() + "' to publish an address";
  }

  @Override
  public void connectionFailed(SandboxEndpoint.Target target, IOException cause) {
    // The watch follows address changes; nothing to repair here.
  }

  @Override
  public String hint() {
    return "Check that Gateway '" + mode.name() + "' in namespace '" + namespace + "' (now at "
        + address + ", " + mode.scheme() + " port " + mode.port() + ") is reachable from here"
        + " and routes to the sandbox router";
  }
}
