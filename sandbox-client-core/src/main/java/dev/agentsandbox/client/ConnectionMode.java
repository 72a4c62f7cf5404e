package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.HeaderValues;
import dev.agentsandbox.model.KubernetesNames;
import dev.agentsandbox.model.RouterProtocol;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

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
 * with {@code withAuthToken}. Modes are immutable values; the {@code with...} methods return a
 * modified copy.
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
    Objects.requireNonNull(routerNamespace, "routerNamespace");
    KubernetesNames.requireLabel("routerNamespace", routerNamespace);
    return new Tunnel(routerNamespace, null);
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
    return new Gateway(requireGatewayName(name), null, false, null, -1, null,
        Gateway.DEFAULT_ADDRESS_TIMEOUT, null);
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
    KubernetesNames.requireLabel("gateway namespace", namespace);
    return new Gateway(requireGatewayName(name), namespace, false, null, -1, null,
        Gateway.DEFAULT_ADDRESS_TIMEOUT, null);
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
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("baseUrl must be an http or https URL, got '" + baseUrl + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("baseUrl must name a host, got '" + baseUrl + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("baseUrl must not contain credentials");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("baseUrl must not have a query or fragment, got '" + baseUrl + "'");
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

  private static String requireGatewayName(String name) {
    Objects.requireNonNull(name, "name");
    KubernetesNames.requireSubdomain("gateway name", name);
    return name;
  }

  private static Supplier<String> fixedToken(String token) {
    Objects.requireNonNull(token, "token");
    HeaderValues.requireBearerToken(token);
    return () -> token;
  }

  /**
   * Port-forward to the router Service. Create with {@link ConnectionMode#tunnel()}.
   *
   * @since 0.1.0
   */
  final class Tunnel implements ConnectionMode {
    /** Name of the router Service the tunnel targets. */
    public static final String ROUTER_SERVICE = RouterProtocol.ROUTER_SERVICE;
    /** Service port of the router. */
    public static final int ROUTER_PORT = RouterProtocol.ROUTER_PORT;

    private final String routerNamespace;
    private final Supplier<String> authToken;

    private Tunnel(String routerNamespace, Supplier<String> authToken) {
      this.routerNamespace = routerNamespace;
      this.authToken = authToken;
    }

    /**
     * The namespace of the router Service, when configured.
     *
     * @return the namespace, or empty for "the sandbox's namespace, else
     *     {@value ConnectionMode#FALLBACK_ROUTER_NAMESPACE}"
     */
    public Optional<String> routerNamespace() {
      return Optional.ofNullable(routerNamespace);
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
      return new Tunnel(routerNamespace, Objects.requireNonNull(token, "token"));
    }

    /**
     * The router token, if one is set.
     *
     * @return the supplier of the token
     */
    public Optional<Supplier<String>> authToken() {
      return Optional.ofNullable(authToken);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tunnel t && Objects.equals(routerNamespace, t.routerNamespace)
          && Objects.equals(authToken, t.authToken);
    }

    @Override
    public int hashCode() {
      return Objects.hash(routerNamespace, authToken);
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
   * @since 0.1.0
   */
  final class Gateway implements ConnectionMode {
    /** How long a client waits by default for the Gateway to publish an address. */
    public static final Duration DEFAULT_ADDRESS_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final String namespace;
    private final boolean https;
    private final TlsTrust trust;
    private final int port;
    private final String serverName;
    private final Duration addressTimeout;
    private final Supplier<String> authToken;

    private Gateway(String name, String namespace, boolean https, TlsTrust trust, int port,
        String serverName, Duration addressTimeout, Supplier<String> authToken) {
      this.name = name;
      this.namespace = namespace;
      this.https = https;
      this.trust = trust;
      this.port = port;
      this.serverName = serverName;
      this.addressTimeout = addressTimeout;
      this.authToken = authToken;
    }

    /**
     * Speaks HTTPS to the gateway, trusting the JVM's default CAs; the port defaults to 443.
     *
     * @return a copy of this mode using HTTPS
     */
    public Gateway withHttps() {
      return new Gateway(name, namespace, true, null, port, serverName, addressTimeout, authToken);
    }

    /**
     * Speaks HTTPS to the gateway, trusting what {@code trust} accepts; the port defaults to 443.
     *
     * @param trust the certificates the gateway may present
     * @return a copy of this mode using HTTPS
     */
    public Gateway withHttps(TlsTrust trust) {
      Objects.requireNonNull(trust, "trust");
      return new Gateway(name, namespace, true, trust, port, serverName, addressTimeout, authToken);
    }

    /**
     * The gateway listener's port. Default 80, or 443 with HTTPS.
     *
     * @param port 1 to 65535
     * @return a copy of this mode with the port
     * @throws IllegalArgumentException if out of range
     */
    public Gateway withPort(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("gateway port must be between 1 and 65535, got " + port);
      }
      return new Gateway(name, namespace, https, trust, port, serverName, addressTimeout, authToken);
    }

    /**
     * The host name to present while connecting to the Gateway's address: sent as
     * {@code Host}, as TLS SNI, and checked against the server certificate. Needed when the
     * gateway's routes or certificate are for a host name and its status lists an IP address.
     *
     * @param serverName a DNS host name, e.g. {@code sandboxes.example.com}
     * @return a copy of this mode with the server name
     * @throws IllegalArgumentException if not a valid DNS host name
     */
    public Gateway withServerName(String serverName) {
      Objects.requireNonNull(serverName, "serverName");
      String lower = serverName.toLowerCase(Locale.ROOT);
      KubernetesNames.requireSubdomain("serverName", lower);
      return new Gateway(name, namespace, https, trust, port, lower, addressTimeout, authToken);
    }

    /**
     * How long to wait for the Gateway to publish an address before failing. Default 60 s.
     *
     * @param timeout positive, at most 24 hours
     * @return a copy of this mode with the timeout
     * @throws IllegalArgumentException if out of range
     */
    public Gateway withAddressTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException("addressTimeout must be positive and at most 24 hours, got "
            + timeout);
      }
      return new Gateway(name, namespace, https, trust, port, serverName, timeout, authToken);
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
      return new Gateway(name, namespace, https, trust, port, serverName, addressTimeout,
          fixedToken(token));
    }

    /**
     * Like {@link #withAuthToken(String)}, asking {@code token} before every request.
     *
     * @param token supplies the current token; thread-safe and fast
     * @return a copy of this mode with the token supplier
     */
    public Gateway withAuthToken(Supplier<String> token) {
      return new Gateway(name, namespace, https, trust, port, serverName, addressTimeout,
          Objects.requireNonNull(token, "token"));
    }

    /**
     * The Gateway's name.
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /**
     * The Gateway's namespace, when configured.
     *
     * @return the namespace, or empty for "the sandbox's namespace"
     */
    public Optional<String> namespace() {
      return Optional.ofNullable(namespace);
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
     * The port requests go to.
     *
     * @return the configured port, else 443 for HTTPS and 80 for HTTP
     */
    public int port() {
      return port > 0 ? port : https ? 443 : 80;
    }

    /**
     * The custom TLS trust, if set.
     *
     * @return the trust, or empty for the JVM's default
     */
    public Optional<TlsTrust> trust() {
      return Optional.ofNullable(trust);
    }

    /**
     * The host name presented to the gateway, if set.
     *
     * @return the server name, or empty to use the address itself
     */
    public Optional<String> serverName() {
      return Optional.ofNullable(serverName);
    }

    /**
     * How long to wait for an address.
     *
     * @return the timeout
     */
    public Duration addressTimeout() {
      return addressTimeout;
    }

    /**
     * The router token, if one is set.
     *
     * @return the supplier of the token
     */
    public Optional<Supplier<String>> authToken() {
      return Optional.ofNullable(authToken);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Gateway g && name.equals(g.name) && Objects.equals(namespace, g.namespace)
          && https == g.https && Objects.equals(trust, g.trust) && port == g.port
          && Objects.equals(serverName, g.serverName) && addressTimeout.equals(g.addressTimeout)
          && Objects.equals(authToken, g.authToken);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, namespace, https, trust, port, serverName, addressTimeout, authToken);
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
   * @since 0.1.0
   */
  final class Direct implements ConnectionMode {
    private final URI baseUrl;
    private final TlsTrust trust;
    private final Supplier<String> authToken;

    private Direct(URI baseUrl, TlsTrust trust, Supplier<String> authToken) {
      this.baseUrl = baseUrl;
      this.trust = trust;
      this.authToken = authToken;
    }

    /**
     * Trusts what {@code trust} accepts instead of the JVM's default CAs.
     *
     * @param trust the certificates the router may present
     * @return a copy of this mode with the trust
     * @throws IllegalArgumentException if the URL is not {@code https}
     */
    public Direct withTrust(TlsTrust trust) {
      Objects.requireNonNull(trust, "trust");
      if (!"https".equalsIgnoreCase(baseUrl.getScheme())) {
        throw new IllegalArgumentException("a TLS trust applies to https URLs only, got '" + baseUrl + "'");
      }
      return new Direct(baseUrl, trust, authToken);
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
      return new Direct(baseUrl, trust, Objects.requireNonNull(token, "token"));
    }

    /**
     * The router's base URL.
     *
     * @return an absolute http(s) URL
     */
    public URI baseUrl() {
      return baseUrl;
    }

    /**
     * The custom TLS trust, if set.
     *
     * @return the trust, or empty for the JVM's default
     */
    public Optional<TlsTrust> trust() {
      return Optional.ofNullable(trust);
    }

    /**
     * The router token, if one is set.
     *
     * @return the supplier of the token
     */
    public Optional<Supplier<String>> authToken() {
      return Optional.ofNullable(authToken);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Direct d && baseUrl.equals(d.baseUrl) && Objects.equals(trust, d.trust)
          && Objects.equals(authToken, d.authToken);
    }

    @Override
    public int hashCode() {
      return Objects.hash(baseUrl, trust, authToken);
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
   * @since 0.1.0
   */
  final class InCluster implements ConnectionMode {
    /** The cluster DNS domain used unless configured. */
    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

    private final String clusterDomain;

    private InCluster(String clusterDomain) {
      this.clusterDomain = clusterDomain;
    }

    /**
     * The cluster's DNS domain, for the Service name used when a Sandbox reports no pod IP.
     *
     * @param clusterDomain a DNS name; default {@value #DEFAULT_CLUSTER_DOMAIN}
     * @return a copy of this mode with the domain
     * @throws IllegalArgumentException if not a valid DNS-1123 subdomain
     */
    public InCluster withClusterDomain(String clusterDomain) {
      Objects.requireNonNull(clusterDomain, "clusterDomain");
      KubernetesNames.requireSubdomain("clusterDomain", clusterDomain);
      return new InCluster(clusterDomain);
    }

    /**
     * The cluster's DNS domain.
     *
     * @return the domain
     */
    public String clusterDomain() {
      return clusterDomain;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof InCluster c && clusterDomain.equals(c.clusterDomain);
    }

    @Override
    public int hashCode() {
      return clusterDomain.hashCode();
    }

    @Override
    public String toString() {
      return "inCluster(" + clusterDomain + ")";
    }
  }
}
