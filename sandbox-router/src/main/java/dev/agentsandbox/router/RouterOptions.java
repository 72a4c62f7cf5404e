package dev.agentsandbox.router;

import dev.agentsandbox.model.internal.RouterProtocol;
import dev.agentsandbox.router.internal.RoutingHeaders;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a {@link SandboxRouter}. Create one with {@link #builder()}; every option has
 * a default except the router's Bearer token: set {@link Builder#authToken(String)}, or
 * {@link Builder#allowUnauthenticated(boolean)} for a router that only trusted clients can reach.
 *
 * @param host address the HTTP server binds to; default {@code 0.0.0.0}
 * @param port TCP port the HTTP server listens on, {@code 0} for an ephemeral port; default 8080
 * @param defaultNamespace namespace used when a request has no {@code X-Sandbox-Namespace}
 *     header; default {@code default}
 * @param upstreamTimeout longest the router waits for a sandbox to send anything (response
 *     headers or the next part of a body); {@code X-Sandbox-Timeout} can only shorten it;
 *     default 180 s
 * @param connectTimeout longest the router waits for a connection to a sandbox, further capped
 *     by the request's upstream timeout; default 10 s
 * @param clusterDomain DNS domain of the cluster, used to build a service host name for a
 *     sandbox that reports a service but neither pod IPs nor a service FQDN; default
 *     {@code cluster.local}
 * @param watchNamespace the only namespace whose sandboxes are routable, or null to watch all
 *     namespaces (the default)
 * @param cacheSyncTimeout longest {@link SandboxRouter#start} waits for the initial list of
 *     sandboxes; default 60 s
 * @param maxRequestHeadersSize largest accepted total size of request (and upstream response)
 *     headers, in bytes; default 16384
 * @param maxRequestLineLength largest accepted request line (method, URI and version) and
 *     upstream status line, in bytes; default 16384
 * @param maxConnectionsPerSandbox most pooled upstream connections kept per sandbox address
 *     and port; further requests wait for a free connection; default 64
 * @param upstreamKeepAliveTimeout how long an idle upstream connection stays pooled; keep it
 *     below the runtime's own keep-alive timeout (5 s for the reference runtime) so the router
 *     never reuses a connection the runtime is closing; default 4 s, whole seconds
 * @param authToken the Bearer token every request except {@code GET /healthz} must carry in
 *     its {@code Authorization} header, or null for none; 1 to 16 KiB of visible ASCII; never
 *     logged and left out of {@link #toString()}
 * @param allowUnauthenticated whether the router may start without {@code authToken}; default
 *     false, so that a router without a token refuses to start rather than serving anyone
 * @param webSocketMaxConnectionsPerClient most WebSocket connections one client address may
 *     hold open through the router at once, {@code 0} for no limit; default 64
 * @param webSocketIdleTimeout a WebSocket connection with no traffic in either direction for
 *     this long is closed; {@link Duration#ZERO} for never; default 1 h
 * @param webSocketMaxLifetime a WebSocket connection open this long is closed;
 *     {@link Duration#ZERO} for never; default 24 h
 * @param upstreamCredentials what the router presents to the runtimes it forwards to; default
 *     {@link UpstreamCredentials#none()}
 * @since 0.1.0
 */
public record RouterOptions(
    String host,
    int port,
    String defaultNamespace,
    Duration upstreamTimeout,
    Duration connectTimeout,
    String clusterDomain,
    String watchNamespace,
    Duration cacheSyncTimeout,
    int maxRequestHeadersSize,
    int maxRequestLineLength,
    int maxConnectionsPerSandbox,
    Duration upstreamKeepAliveTimeout,
    String authToken,
    boolean allowUnauthenticated,
    int webSocketMaxConnectionsPerClient,
    Duration webSocketIdleTimeout,
    Duration webSocketMaxLifetime,
    UpstreamCredentials upstreamCredentials) {

  /**
   * Validates the options.
   *
   * @throws NullPointerException if a required option is null
   * @throws IllegalArgumentException if an option is out of range
   */
  public RouterOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(defaultNamespace, "defaultNamespace");
    Objects.requireNonNull(clusterDomain, "clusterDomain");
    Objects.requireNonNull(upstreamCredentials, "upstreamCredentials");
    requirePositive(upstreamTimeout, "upstreamTimeout");
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(cacheSyncTimeout, "cacheSyncTimeout");
    requirePositive(upstreamKeepAliveTimeout, "upstreamKeepAliveTimeout");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (!RoutingHeaders.isDnsLabel(defaultNamespace)) {
      throw new IllegalArgumentException("defaultNamespace must be a DNS-1123 label, got '" + defaultNamespace + "'");
    }
    if (watchNamespace != null && !RoutingHeaders.isDnsLabel(watchNamespace)) {
      throw new IllegalArgumentException("watchNamespace must be a DNS-1123 label or null, got '" + watchNamespace + "'");
    }
    if (!RoutingHeaders.isDnsSubdomain(clusterDomain)) {
      throw new IllegalArgumentException("clusterDomain must be a DNS name, got '" + clusterDomain + "'");
    }
    if (upstreamTimeout.toMillis() < 1 || connectTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("upstreamTimeout and connectTimeout must be at least 1 ms");
    }
    if (upstreamKeepAliveTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("upstreamKeepAliveTimeout must be at least 1 s");
    }
    if (maxRequestHeadersSize < 1024 || maxRequestLineLength < 256 || maxConnectionsPerSandbox < 1) {
      throw new IllegalArgumentException("maxRequestHeadersSize must be >= 1024, maxRequestLineLength >= 256"
          + " and maxConnectionsPerSandbox >= 1");
    }
    if (authToken != null) {
      requireToken(authToken);
    }
    if (webSocketMaxConnectionsPerClient < 0) {
      throw new IllegalArgumentException("webSocketMaxConnectionsPerClient must be >= 0 (0: no limit), got "
          + webSocketMaxConnectionsPerClient);
    }
    requireNotNegative(webSocketIdleTimeout, "webSocketIdleTimeout");
    requireNotNegative(webSocketMaxLifetime, "webSocketMaxLifetime");
  }

  /** Like the record's, without the token: options are logged, a token must never be. */
  @Override
  public String toString() {
    return "RouterOptions[host=" + host + ", port=" + port + ", defaultNamespace=" + defaultNamespace
        + ", upstreamTimeout=" + upstreamTimeout + ", connectTimeout=" + connectTimeout
        + ", clusterDomain=" + clusterDomain + ", watchNamespace=" + watchNamespace
        + ", cacheSyncTimeout=" + cacheSyncTimeout + ", maxRequestHeadersSize=" + maxRequestHeadersSize
        + ", maxRequestLineLength=" + maxRequestLineLength + ", maxConnectionsPerSandbox=" + maxConnectionsPerSandbox
        + ", upstreamKeepAliveTimeout=" + upstreamKeepAliveTimeout
        + ", authToken=" + (authToken == null ? "none" : "(set)") + ", allowUnauthenticated=" + allowUnauthenticated
        + ", webSocketMaxConnectionsPerClient=" + webSocketMaxConnectionsPerClient
        + ", webSocketIdleTimeout=" + webSocketIdleTimeout + ", webSocketMaxLifetime=" + webSocketMaxLifetime + "]";
  }

  private static final int MAX_TOKEN_LENGTH = 16 * 1024;

  /**
   * Returns the default options: port 8080 on all interfaces, watching all namespaces. They
   * have no token, so {@link SandboxRouter#start} refuses them until a token is set or
   * unauthenticated use is allowed explicitly.
   */
  public static RouterOptions defaults() {
    return builder().build();
  }

  /** Returns a builder preset with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder preset with these options. */
  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .defaultNamespace(defaultNamespace)
        .upstreamTimeout(upstreamTimeout)
        .connectTimeout(connectTimeout)
        .clusterDomain(clusterDomain)
        .watchNamespace(watchNamespace)
        .cacheSyncTimeout(cacheSyncTimeout)
        .maxRequestHeadersSize(maxRequestHeadersSize)
        .maxRequestLineLength(maxRequestLineLength)
        .maxConnectionsPerSandbox(maxConnectionsPerSandbox)
        .upstreamKeepAliveTimeout(upstreamKeepAliveTimeout)
        .authToken(authToken)
        .allowUnauthenticated(allowUnauthenticated)
        .webSocketMaxConnectionsPerClient(webSocketMaxConnectionsPerClient)
        .webSocketIdleTimeout(webSocketIdleTimeout)
        .webSocketMaxLifetime(webSocketMaxLifetime)
        .upstreamCredentials(upstreamCredentials);
  }

  private static void requireNotNegative(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative (zero: none), got " + duration);
    }
  }

  // Same rule as the client's: a token must fit in a header as it is, and is never quoted back.
  private static void requireToken(String token) {
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw new IllegalArgumentException("authToken must be 1 to " + MAX_TOKEN_LENGTH + " characters long");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new IllegalArgumentException("authToken may only have visible ASCII characters; index " + i
            + " is not one");
      }
    }
  }

  private static void requirePositive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + duration);
    }
  }

  /** Builder of {@link RouterOptions}; not thread-safe. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int port = RouterProtocol.ROUTER_PORT;
    private String defaultNamespace = "default";
    private Duration upstreamTimeout = Duration.ofSeconds(180);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private String clusterDomain = "cluster.local";
    private String watchNamespace;
    private Duration cacheSyncTimeout = Duration.ofSeconds(60);
    private int maxRequestHeadersSize = 16 * 1024;
    private int maxRequestLineLength = 16 * 1024;
    private int maxConnectionsPerSandbox = 64;
    private Duration upstreamKeepAliveTimeout = Duration.ofSeconds(4);
    private UpstreamCredentials upstreamCredentials = UpstreamCredentials.none();
    private String authToken;
    private boolean allowUnauthenticated;
    private int webSocketMaxConnectionsPerClient = 64;
    private Duration webSocketIdleTimeout = Duration.ofHours(1);
    private Duration webSocketMaxLifetime = Duration.ofHours(24);

    private Builder() {
    }

    /** Sets the bind address. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Sets the listen port; 0 picks an ephemeral port (see {@link SandboxRouter#port()}). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Sets the namespace used when a request has no {@code X-Sandbox-Namespace} header. */
    public Builder defaultNamespace(String defaultNamespace) {
      this.defaultNamespace = defaultNamespace;
      return this;
    }

    /** Sets the longest wait for a sandbox to send anything. */
    public Builder upstreamTimeout(Duration upstreamTimeout) {
      this.upstreamTimeout = upstreamTimeout;
      return this;
    }

    /** Sets the longest wait for a connection to a sandbox. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** Sets the cluster DNS domain. */
    public Builder clusterDomain(String clusterDomain) {
      this.clusterDomain = clusterDomain;
      return this;
    }

    /** Restricts routing to sandboxes of one namespace; null (the default) watches all. */
    public Builder watchNamespace(String watchNamespace) {
      this.watchNamespace = watchNamespace;
      return this;
    }

    /** Sets the longest wait for the initial list of sandboxes at start. */
    public Builder cacheSyncTimeout(Duration cacheSyncTimeout) {
      this.cacheSyncTimeout = cacheSyncTimeout;
      return this;
    }

    /** Sets the largest accepted header block, in bytes. */
    public Builder maxRequestHeadersSize(int maxRequestHeadersSize) {
      this.maxRequestHeadersSize = maxRequestHeadersSize;
      return this;
    }

    /** Sets the largest accepted request or status line, in bytes. */
    public Builder maxRequestLineLength(int maxRequestLineLength) {
      this.maxRequestLineLength = maxRequestLineLength;
      return this;
    }

    /** Sets the most pooled upstream connections per sandbox address and port. */
    public Builder maxConnectionsPerSandbox(int maxConnectionsPerSandbox) {
      this.maxConnectionsPerSandbox = maxConnectionsPerSandbox;
      return this;
    }

    /** Sets how long an idle upstream connection stays pooled (whole seconds). */
    public Builder upstreamKeepAliveTimeout(Duration upstreamKeepAliveTimeout) {
      this.upstreamKeepAliveTimeout = upstreamKeepAliveTimeout;
      return this;
    }

    /** Sets what the router presents to runtimes; see {@link UpstreamCredentials}. */
    public Builder upstreamCredentials(UpstreamCredentials upstreamCredentials) {
      this.upstreamCredentials = upstreamCredentials;
      return this;
    }

    /**
     * Sets the Bearer token clients must send ({@code Authorization: Bearer <token>}); null for
     * none. The router compares it in constant time and never logs it.
     */
    public Builder authToken(String authToken) {
      this.authToken = authToken;
      return this;
    }

    /**
     * Lets the router start without a token, so that anyone who can reach it can use it; only
     * for a router that nothing untrusted can reach. A token, when set, is still required.
     */
    public Builder allowUnauthenticated(boolean allowUnauthenticated) {
      this.allowUnauthenticated = allowUnauthenticated;
      return this;
    }

    /** Sets the most concurrent WebSocket connections per client address; 0 for no limit. */
    public Builder webSocketMaxConnectionsPerClient(int webSocketMaxConnectionsPerClient) {
      this.webSocketMaxConnectionsPerClient = webSocketMaxConnectionsPerClient;
      return this;
    }

    /** Sets how long a WebSocket connection may carry no traffic; zero for no limit. */
    public Builder webSocketIdleTimeout(Duration webSocketIdleTimeout) {
      this.webSocketIdleTimeout = webSocketIdleTimeout;
      return this;
    }

    /** Sets how long a WebSocket connection may stay open; zero for no limit. */
    public Builder webSocketMaxLifetime(Duration webSocketMaxLifetime) {
      this.webSocketMaxLifetime = webSocketMaxLifetime;
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws NullPointerException if a required option is null
     * @throws IllegalArgumentException if an option is out of range
     */
    public RouterOptions build() {
      return new RouterOptions(host, port, defaultNamespace, upstreamTimeout, connectTimeout, clusterDomain,
          watchNamespace, cacheSyncTimeout, maxRequestHeadersSize, maxRequestLineLength, maxConnectionsPerSandbox,
          upstreamKeepAliveTimeout, authToken, allowUnauthenticated, webSocketMaxConnectionsPerClient,
          webSocketIdleTimeout, webSocketMaxLifetime, upstreamCredentials);
    }
  }
}
