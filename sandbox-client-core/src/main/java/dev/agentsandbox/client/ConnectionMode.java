package dev.agentsandbox.client;

import dev.agentsandbox.model.KubernetesNames;
import dev.agentsandbox.model.RouterProtocol;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link SandboxClient} reaches the sandbox router. Both modes send the router headers
 * ({@code X-Sandbox-ID}, {@code X-Sandbox-Namespace}, {@code X-Sandbox-Port}); they differ only
 * in where the router is.
 *
 * <pre>{@code
 * ConnectionMode.tunnel();                                  // router in the sandbox namespace
 * ConnectionMode.tunnel("agent-sandbox-system");            // router elsewhere
 * ConnectionMode.direct("https://sandbox-router.example.com");
 * }</pre>
 *
 * @since 0.1.0
 */
public sealed interface ConnectionMode permits ConnectionMode.Tunnel, ConnectionMode.Direct {

  /**
   * An in-process port-forward (no {@code kubectl} needed) from a free loopback port to the
   * Service {@value Tunnel#ROUTER_SERVICE} port {@value Tunnel#ROUTER_PORT} in the sandbox's
   * namespace. The default; meant for development machines.
   *
   * @return the tunnel mode
   */
  static ConnectionMode tunnel() {
    return new Tunnel(null);
  }

  /**
   * Like {@link #tunnel()}, with the router deployed in another namespace.
   *
   * @param routerNamespace namespace of the Service {@value Tunnel#ROUTER_SERVICE}
   * @return the tunnel mode
   * @throws IllegalArgumentException if the namespace is not a valid DNS-1123 label
   */
  static ConnectionMode tunnel(String routerNamespace) {
    Objects.requireNonNull(routerNamespace, "routerNamespace");
    KubernetesNames.requireLabel("routerNamespace", routerNamespace);
    return new Tunnel(routerNamespace);
  }

  /**
   * A router reachable at a known URL: behind an ingress or gateway with a custom domain, or
   * by its in-cluster DNS name.
   *
   * @param baseUrl {@code http} or {@code https} URL of the router, optionally with a path prefix
   * @return the direct mode
   * @throws IllegalArgumentException if the URL is not an absolute http(s) URL with a host, or
   *     has user info, a query or a fragment
   */
  static ConnectionMode direct(String baseUrl) {
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
    return new Direct(uri);
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

    private Tunnel(String routerNamespace) {
      this.routerNamespace = routerNamespace;
    }

    /**
     * The namespace of the router Service.
     *
     * @return the namespace, or empty for "the sandbox's namespace"
     */
    public Optional<String> routerNamespace() {
      return Optional.ofNullable(routerNamespace);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tunnel t && Objects.equals(routerNamespace, t.routerNamespace);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(routerNamespace);
    }

    @Override
    public String toString() {
      return "tunnel(" + (routerNamespace == null ? "" : routerNamespace) + ")";
    }
  }

  /**
   * A router at a given URL. Create with {@link ConnectionMode#direct(String)}.
   *
   * @since 0.1.0
   */
  final class Direct implements ConnectionMode {
    private final URI baseUrl;

    private Direct(URI baseUrl) {
      this.baseUrl = baseUrl;
    }

    /**
     * The router's base URL.
     *
     * @return an absolute http(s) URL
     */
    public URI baseUrl() {
      return baseUrl;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Direct d && baseUrl.equals(d.baseUrl);
    }

    @Override
    public int hashCode() {
      return baseUrl.hashCode();
    }

    @Override
    public String toString() {
      return "direct(" + baseUrl + ")";
    }
  }
}
