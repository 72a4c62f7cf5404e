package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.HeaderValues;
import dev.agentsandbox.model.internal.KubernetesNames;
import dev.agentsandbox.model.internal.RouterProtocol;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How a client reaches its sandboxes. Four modes:
 *
 * <ul>
 *   <li>{@link #tunnel()}: an in-process port-forward to the router Service (development);
 *   <li>{@link #gateway(String)}: the address a Gateway API {@code Gateway} publishes (production);
 *   <li>{@link #direct(String)}: a router at a known URL;
 *   <li>{@link #inCluster()}: straight to the sandbox pods, for code running inside the cluster.
 * </ul>
 *
 * <p>The first three go through the sandbox router and send its headers ({@code X-Sandbox-ID},
 * {@code X-Sandbox-Namespace}, {@code X-Sandbox-Port}), plus a Bearer token when one is set
 * with {@code withAuthToken}. Modes are records (immutable values compared by their components);
 * the {@code with...} methods return a modified copy, and the canonical constructors check their
 * arguments as the factories do.
 *
 * <pre>{@code
 * ConnectionMode.tunnel();                                  // router next to the sandboxes
 * ConnectionMode.tunnel("agent-sandbox-system");            // router elsewhere
 * ConnectionMode.gateway("sandbox-gateway").withHttps(TlsTrust.pemFile(Path.of("ca.pem")));
 * ConnectionMode.direct("https://sandbox-router.example.com").withAuthToken(token);
 * ConnectionMode.inCluster();
 * }</pre>
 *
 * @since 0.1.0
 */
public sealed interface ConnectionMode
    permits ConnectionMode.Tunnel, ConnectionMode.Gateway, ConnectionMode.Direct,
    ConnectionMode.InCluster {

  /** Namespace the tunnel tries when the sandbox's namespace has no router Service. */
  String FALLBACK_ROUTER_NAMESPACE = "agent-sandbox-system";

  /**
   * An in-process port-forward (no {@code kubectl} needed) from a free loopback port to a ready
   * pod behind the Service {@value Tunnel#ROUTER_SERVICE} (port {@value Tunnel#ROUTER_PORT}) in
   * the sandbox's namespace, or in {@value #FALLBACK_ROUTER_NAMESPACE} when the sandbox's
   * namespace has no such Service. The default; meant for development machines. One tunnel
   * serves all sandboxes of a client and re-opens itself when it breaks.
   *
   * @return the tunnel mode
   */
  static Tunnel tunnel() {
    return new Tunnel(null, null);
  }

  /**
   * Like {@link #tunnel()}, with the router in a given namespace (no fallback).
   *
   * @param routerNamespace namespace of the Service {@value Tunnel#ROUTER_SERVICE}
   * @return the tunnel mode
   * @throws IllegalArgumentException if the namespace is not a valid DNS-1123 label
   */
  static Tunnel tunnel(String routerNamespace) {
    return new Tunnel(Objects.requireNonNull(routerNamespace, "routerNamespace"), null);
  }

  /**
   * The router behind a Gateway API {@code gateway.networking.k8s.io/v1} Gateway in the
   * sandbox's namespace: requests go to the first address in the Gateway's
   * {@code status.addresses}, over plain HTTP on port 80 unless configured otherwise. The
   * address is watched, so a change is followed without rebuilding the client.
   *
   * @param name the Gateway's name
   * @return the gateway mode
   * @throws IllegalArgumentException if the name is not a valid DNS-1123 subdomain
   */
  static Gateway gateway(String name) {
    return new Gateway(name, null, false, null, 0, null, Gateway.DEFAULT_ADDRESS_TIMEOUT, null);
  }

  /**
   * Like {@link #gateway(String)}, for a Gateway in a given namespace.
   *
   * @param name the Gateway's name
   * @param namespace the Gateway's namespace
   * @return the gateway mode
   * @throws IllegalArgumentException if a name is invalid
   */
  static Gateway gateway(String name, String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    return new Gateway(name, namespace, false, null, 0, null, Gateway.DEFAULT_ADDRESS_TIMEOUT,
        null);
  }

  /**
   * A router reachable at a known URL: behind an ingress with a custom domain, or by its
   * in-cluster DNS name ({@code http://sandbox-router-svc.<ns>.svc.cluster.local:8080}).
   *
   * @param baseUrl {@code http} or {@code https} URL of the router, optionally with a path prefix
   * @return the direct mode
   * @throws IllegalArgumentException if the URL is not an absolute http(s) URL with a host, or
   *     has user info, a query or a fragment
   */
  static Direct direct(String baseUrl) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    URI uri;
    try {
      uri = new URI(baseUrl);
    } catch (Exception e) {
      throw new IllegalArgumentException("baseUrl is not a valid URL: " + e.getMessage(), e);
    }
    return new Direct(uri, null, null);
  }

  /**
   * Straight to each sandbox's pod, without a router: {@code http://<pod IP>:<sandbox port>}
   * from the Sandbox's {@code status.podIPs} (IPv4 preferred), else the sandbox Service's DNS
   * name {@code <sandbox>.<namespace>.svc.cluster.local}. Only works where pod IPs are
   * routable, i.e. from inside the cluster. No router headers are sent.
   *
   * @return the in-cluster mode
   */
  static InCluster inCluster() {
    return new InCluster(InCluster.DEFAULT_CLUSTER_DOMAIN);
  }

  private static Supplier<String> fixedToken(String token) {
    Objects.requireNonNull(token, "token");
    HeaderValues.requireBearerToken(token);
    return () -> token;
  }

  private static Supplier<String> tokenSupplier(Supplier<String> token) {
    return Objects.requireNonNull(token, "token");
  }

  private static void requireTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "addressTimeout");
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(24)) > 0) {
      throw new IllegalArgumentException("addressTimeout must be positive and at most 24 hours, got "
          + timeout);
    }
  }

  /**
   * Port-forward to the router Service. Create with {@link ConnectionMode#tunnel()}.
   *
   * @param routerNamespace the namespace of the router Service; null for "the sandbox's
   *     namespace, else {@value ConnectionMode#FALLBACK_ROUTER_NAMESPACE}"
   * @param authToken supplies the router token sent as {@code Authorization: Bearer}; null for
   *     none
   * @since 0.1.0
   */
  record Tunnel(@Nullable String routerNamespace, @Nullable Supplier<String> authToken)
      implements ConnectionMode {
    /** Name of the router Service the tunnel targets. */
    public static final String ROUTER_SERVICE = RouterProtocol.ROUTER_SERVICE;
    /** Service port of the router. */
    public static final int ROUTER_PORT = RouterProtocol.ROUTER_PORT;

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if the namespace is not a valid DNS-1123 label
     */
    public Tunnel {
      if (routerNamespace != null) {
        KubernetesNames.requireLabel("routerNamespace", routerNamespace);
      }
    }

    /**
     * Sends {@code Authorization: Bearer <token>} to the router with every request.
     *
     * @param token the token; never logged
     * @return a copy of this mode with the token
     * @throws IllegalArgumentException if the token is empty or has characters an HTTP header
     *     cannot carry
     */
    public Tunnel withAuthToken(String token) {
      return new Tunnel(routerNamespace, fixedToken(token));
    }

    /**
     * Like {@link #withAuthToken(String)}, asking {@code token} before every request, so a
     * rotated token is picked up. The supplier must be thread-safe and fast; a value that cannot
     * be sent fails that request with {@link IllegalArgumentException} before anything is sent.
     *
     * @param token supplies the current token
     * @return a copy of this mode with the token supplier
     */
    public Tunnel withAuthToken(Supplier<String> token) {
      return new Tunnel(routerNamespace, tokenSupplier(token));
    }

    @Override
    public String toString() {
      return "tunnel(" + (routerNamespace == null ? "" : routerNamespace)
          + (authToken == null ? "" : ", auth token") + ")";
    }
  }

  /**
   * A router behind a Gateway API Gateway. Create with {@link ConnectionMode#gateway(String)}.
   *
   * @param name the Gateway's name
   * @param namespace the Gateway's namespace; null for "the sandbox's namespace"
   * @param https whether to speak HTTPS to the gateway
   * @param trust the certificates the gateway may present (HTTPS only); null for the JVM's
   *     default CAs
   * @param listenerPort the gateway listener's port, 1 to 65535, or 0 for the scheme's default
   *     (see {@link #port()})
   * @param serverName the host name presented while connecting (see
   *     {@link #withServerName(String)}), in lower case; null to use the Gateway's address as
   *     it is
   * @param addressTimeout how long to wait for the Gateway to publish an address
   * @param authToken supplies the router token; null for none
   * @since 0.1.0
   */
  record Gateway(String name, @Nullable String namespace, boolean https, @Nullable TlsTrust trust,
      int listenerPort, @Nullable String serverName, Duration addressTimeout,
      @Nullable Supplier<String> authToken)
      implements ConnectionMode {
    /** How long a client waits by default for the Gateway to publish an address. */
    public static final Duration DEFAULT_ADDRESS_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if a name is invalid (the server name must be lower
     *     case), the port or timeout out of range, or a trust is given without HTTPS
     * @throws NullPointerException if the name or the timeout is null
     */
    public Gateway {
      Objects.requireNonNull(name, "name");
      KubernetesNames.requireSubdomain("gateway name", name);
      if (namespace != null) {
        KubernetesNames.requireLabel("gateway namespace", namespace);
      }
      if (trust != null && !https) {
        throw new IllegalArgumentException("a TLS trust applies to HTTPS only: use withHttps(trust)");
      }
      if (listenerPort < 0 || listenerPort > 65535) {
        throw new IllegalArgumentException("gateway port must be between 1 and 65535, got "
            + listenerPort);
      }
      if (serverName != null) {
        KubernetesNames.requireSubdomain("serverName", serverName);
      }
      requireTimeout(addressTimeout);
    }

    /**
     * Speaks HTTPS to the gateway, trusting the JVM's default CAs; the port defaults to 443.
     *
     * @return a copy of this mode using HTTPS
     */
    public Gateway withHttps() {
      return new Gateway(name, namespace, true, null, listenerPort, serverName, addressTimeout,
          authToken);
    }

    /**
     * Speaks HTTPS to the gateway, trusting what {@code trust} accepts; the port defaults to 443.
     *
     * @param trust the certificates the gateway may present
     * @return a copy of this mode using HTTPS
     */
    public Gateway withHttps(TlsTrust trust) {
      return new Gateway(name, namespace, true, Objects.requireNonNull(trust, "trust"),
          listenerPort, serverName, addressTimeout, authToken);
    }

    /**
     * The gateway listener's port. Default 80, or 443 with HTTPS.
     *
     * @param port 1 to 65535
     * @return a copy of this mode with the port
     * @throws IllegalArgumentException if out of range
     */
    public Gateway withPort(int port) {
      if (port < 1) {
        throw new IllegalArgumentException("gateway port must be between 1 and 65535, got " + port);
      }
      return new Gateway(name, namespace, https, trust, port, serverName, addressTimeout,
          authToken);
    }

    /**
     * The host name to present while connecting to the Gateway's address: sent as
     * {@code Host}, as TLS SNI, and checked against the server certificate. Needed when the
     * gateway's routes or certificate are for a host name and its status lists an IP address.
     *
     * @param serverName a DNS host name, e.g. {@code sandboxes.example.com}
     * @return a copy of this mode with the server name, in lower case
     * @throws IllegalArgumentException if not a valid DNS host name
     */
    public Gateway withServerName(String serverName) {
      Objects.requireNonNull(serverName, "serverName");
      return new Gateway(name, namespace, https, trust, listenerPort,
          serverName.toLowerCase(Locale.ROOT), addressTimeout, authToken);
    }

    /**
     * How long to wait for the Gateway to publish an address before failing. Default 60 s.
     *
     * @param timeout positive, at most 24 hours
     * @return a copy of this mode with the timeout
     * @throws IllegalArgumentException if out of range
     */
    public Gateway withAddressTimeout(Duration timeout) {
      return new Gateway(name, namespace, https, trust, listenerPort, serverName, timeout,
          authToken);
    }

    /**
     * Sends {@code Authorization: Bearer <token>} to the router with every request.
     *
     * @param token the token; never logged
     * @return a copy of this mode with the token
     * @throws IllegalArgumentException if the token is empty or has characters an HTTP header
     *     cannot carry
     */
    public Gateway withAuthToken(String token) {
      return new Gateway(name, namespace, https, trust, listenerPort, serverName, addressTimeout,
          fixedToken(token));
    }

    /**
     * Like {@link #withAuthToken(String)}, asking {@code token} before every request.
     *
     * @param token supplies the current token; thread-safe and fast
     * @return a copy of this mode with the token supplier
     */
    public Gateway withAuthToken(Supplier<String> token) {
      return new Gateway(name, namespace, https, trust, listenerPort, serverName, addressTimeout,
          tokenSupplier(token));
    }

    /**
     * The URL scheme used.
     *
     * @return {@code http} or {@code https}
     */
    public String scheme() {
      return https ? "https" : "http";
    }

    /**
     * The port connected to.
     *
     * @return the {@link #listenerPort()} if set, else 80, or 443 with HTTPS
     */
    public int port() {
      return listenerPort > 0 ? listenerPort : https ? 443 : 80;
    }

    @Override
    public String toString() {
      return "gateway(" + (namespace == null ? "" : namespace + "/") + name + ", " + scheme()
          + " port " + port() + (serverName == null ? "" : ", server name " + serverName)
          + (trust == null ? "" : ", " + trust) + (authToken == null ? "" : ", auth token") + ")";
    }
  }

  /**
   * A router at a given URL. Create with {@link ConnectionMode#direct(String)}.
   *
   * @param baseUrl the router's absolute http(s) URL, optionally with a path prefix
   * @param trust the certificates the router may present (https only); null for the JVM's
   *     default CAs
   * @param authToken supplies the router token; null for none
   * @since 0.1.0
   */
  record Direct(URI baseUrl, @Nullable TlsTrust trust, @Nullable Supplier<String> authToken)
      implements ConnectionMode {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if the URL is not an absolute http(s) URL with a host, or
     *     has user info, a query or a fragment, or a trust is given for an http URL
     * @throws NullPointerException if the URL is null
     */
    public Direct {
      Objects.requireNonNull(baseUrl, "baseUrl");
      String scheme = baseUrl.getScheme() == null ? ""
          : baseUrl.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("baseUrl must be an http or https URL, got '"
            + baseUrl + "'");
      }
      if (baseUrl.getHost() == null || baseUrl.getHost().isEmpty()) {
        throw new IllegalArgumentException("baseUrl must name a host, got '" + baseUrl + "'");
      }
      if (baseUrl.getRawUserInfo() != null) {
        throw new IllegalArgumentException("baseUrl must not contain credentials");
      }
      if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
        throw new IllegalArgumentException("baseUrl must not have a query or fragment, got '"
            + baseUrl + "'");
      }
      if (trust != null && !scheme.equals("https")) {
        throw new IllegalArgumentException("a TLS trust applies to https URLs only, got '"
            + baseUrl + "'");
      }
    }

    /**
     * Trusts what {@code trust} accepts instead of the JVM's default CAs.
     *
     * @param trust the certificates the router may present
     * @return a copy of this mode with the trust
     * @throws IllegalArgumentException if the URL is not {@code https}
     */
    public Direct withTrust(TlsTrust trust) {
      return new Direct(baseUrl, Objects.requireNonNull(trust, "trust"), authToken);
    }

    /**
     * Sends {@code Authorization: Bearer <token>} to the router with every request.
     *
     * @param token the token; never logged
     * @return a copy of this mode with the token
     * @throws IllegalArgumentException if the token is empty or has characters an HTTP header
     *     cannot carry
     */
    public Direct withAuthToken(String token) {
      return new Direct(baseUrl, trust, fixedToken(token));
    }

    /**
     * Like {@link #withAuthToken(String)}, asking {@code token} before every request.
     *
     * @param token supplies the current token; thread-safe and fast
     * @return a copy of this mode with the token supplier
     */
    public Direct withAuthToken(Supplier<String> token) {
      return new Direct(baseUrl, trust, tokenSupplier(token));
    }

    @Override
    public String toString() {
      return "direct(" + baseUrl + (trust == null ? "" : ", " + trust)
          + (authToken == null ? "" : ", auth token") + ")";
    }
  }

  /**
   * Straight to the sandbox pods. Create with {@link ConnectionMode#inCluster()}.
   *
   * @param clusterDomain the cluster's DNS domain, for the sandbox Service's name when a pod
   *     has no IP
   * @since 0.1.0
   */
  record InCluster(String clusterDomain) implements ConnectionMode {
    /** The cluster DNS domain unless configured otherwise. */
    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

    /**
     * Checks the domain.
     *
     * @throws IllegalArgumentException if not a valid DNS-1123 subdomain
     * @throws NullPointerException if null
     */
    public InCluster {
      Objects.requireNonNull(clusterDomain, "clusterDomain");
      KubernetesNames.requireSubdomain("clusterDomain", clusterDomain);
    }

    /**
     * The cluster's DNS domain. Default {@value #DEFAULT_CLUSTER_DOMAIN}.
     *
     * @param clusterDomain a DNS-1123 subdomain
     * @return a copy of this mode with the domain
     * @throws IllegalArgumentException if not a valid domain
     */
    public InCluster withClusterDomain(String clusterDomain) {
      return new InCluster(clusterDomain);
    }

    @Override
    public String toString() {
      return "inCluster(" + clusterDomain + ")";
    }
  }
}
