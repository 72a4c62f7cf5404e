package dev.agentsandbox.mcp;

import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.mcp.internal.HttpGuard;
import dev.agentsandbox.mcp.internal.McpBindings;
import dev.agentsandbox.mcp.internal.SandboxTools;
import dev.agentsandbox.mcp.internal.StdioRequests;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MCP server whose tools create sandboxes in a Kubernetes cluster and run commands and move
 * files in them: {@code create_sandbox}, {@code delete_sandbox}, {@code execute_command},
 * {@code upload_file}, {@code download_file}, {@code list_files} and {@code file_exists}, with
 * the names, arguments, defaults and results of the agent-sandbox project's own MCP server, and
 * the resource {@code sandboxes://{namespace}} listing the calling session's sandboxes.
 *
 * <p>It serves one transport: standard input and output, for desktop MCP hosts that start it as
 * a process, or streamable HTTP at {@code /mcp}, for shared use. Sandboxes belong to the MCP
 * session that created them, and are deleted when a client ends its HTTP session; closing the
 * server deletes all it created (a sandbox's
 * {@code shutdown_after_seconds}, 300 by default, is the backstop for a server that is killed).
 * The fleet stays open: it belongs to the caller.
 *
 * <pre>{@code
 * try (SandboxFleet fleet = SandboxFleet.builder().build();
 *      SandboxMcpServer server = SandboxMcpServer.builder(fleet).http("127.0.0.1", 8000).start()) {
 *   System.out.println("MCP endpoint: " + server.endpoint());
 *   server.awaitStop();
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SandboxMcpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxMcpServer.class);
  /** The path of the streamable HTTP endpoint. */
  public static final String ENDPOINT_PATH = "/mcp";

  private final SandboxTools tools;
  private final McpSyncServer server;
  private final @Nullable Tomcat tomcat;
  private final @Nullable Path tomcatDir;
  private final @Nullable URI endpoint;
  private final @Nullable StdioRequests stdioRequests;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Object lock = new Object();
  private boolean closed;

  private SandboxMcpServer(Builder builder) throws IOException {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    this.tools = new SandboxTools(builder.fleet, builder.sessionLabelKey);
    McpBindings bindings = new McpBindings(tools, json);
    StdioRequests requests = null;
    Tomcat http = null;
    Path dir = null;
    URI uri = null;
    McpServer.SyncSpecification<?> spec;
    try {
      if (builder.httpHost == null) {
        // The end of the input stops the server once the requests read before it are answered.
        requests = new StdioRequests(builder.in, builder.out, builder.requestTimeout);
        InputStream in = new EndSignallingInputStream(requests.input(), stopped);
        spec = McpServer.sync(new StdioServerTransportProvider(json, in, requests.output()));
      } else {
        HttpServletStreamableServerTransportProvider servlet =
            HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(ENDPOINT_PATH)
                .keepAliveInterval(Duration.ofSeconds(30))
                .build();
        spec = McpServer.sync(servlet);
        dir = Files.createTempDirectory("sandbox-mcp-http");
        http = startTomcat(servlet, builder, dir, tools::closeSession);
        String host = builder.httpHost.contains(":") ? "[" + builder.httpHost + "]"
            : builder.httpHost;
        uri = URI.create("http://" + host + ":" + http.getConnector().getLocalPort()
            + ENDPOINT_PATH);
      }
      this.server = spec
          .serverInfo("agent-sandbox-java", Version.CURRENT)
          .instructions("Create a sandbox with create_sandbox, then run commands and move files "
              + "in it by the sandbox_claim_name it returned; delete it with delete_sandbox when "
              + "done.")
          .capabilities(ServerCapabilities.builder().tools(false).resources(false, false)
              .build())
          .requestTimeout(builder.requestTimeout)
          .tools(bindings.toolSpecifications())
          .resourceTemplates(bindings.sandboxesResource())
          .build();
    } catch (IOException | RuntimeException e) {
      tools.close();
      stopTomcat(http, dir);
      throw e;
    }
    this.tomcat = http;
    this.tomcatDir = dir;
    this.stdioRequests = requests;
    this.endpoint = uri;
  }

  /**
   * Starts building a server whose tools use {@code fleet}: its client, namespace (the default
   * for calls that name none), connection mode and timeouts.
   *
   * @param fleet the fleet; stays open when the server closes
   * @return a builder, serving standard input and output unless told otherwise
   */
  public static Builder builder(SandboxFleet fleet) {
    return new Builder(Objects.requireNonNull(fleet, "fleet"));
  }

  /**
   * The streamable HTTP endpoint, e.g. {@code http://127.0.0.1:8000/mcp}.
   *
   * @return the endpoint; null when serving standard input and output
   */
  public @Nullable URI endpoint() {
    return endpoint;
  }

  /**
   * Blocks until the server stops: closed, or, on standard input, at its end (the host went).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /**
   * Blocks until the server stops, at most {@code timeout}.
   *
   * @param timeout how long to wait
   * @return whether it stopped
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Stops serving and deletes every sandbox the tools created. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (stdioRequests != null) {
      stdioRequests.abandon(); // answers still owed are not coming now
    }
    try {
      server.closeGracefully();
    } catch (RuntimeException e) {
      LOG.debug("Closing the MCP server failed", e);
    }
    tools.close();
    stopTomcat(tomcat, tomcatDir);
    stopped.countDown();
  }

  private static Tomcat startTomcat(HttpServletStreamableServerTransportProvider servlet,
      Builder builder, Path dir, Consumer<String> sessionEnded) throws IOException {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(dir.toString());
    Connector connector = new Connector();
    connector.setPort(builder.httpPort);
    connector.setProperty("address", builder.httpHost);
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", null);
    if (context instanceof StandardContext standard) {
      // The server starts no threads of its own in this context: nothing to clear on stop.
      standard.setClearReferencesThreadLocals(false);
      standard.setClearReferencesRmiTargets(false);
    }
    FilterDef guard = new FilterDef();
    guard.setFilterName("guard");
    guard.setFilter(new HttpGuard(builder.httpToken, builder.allowedOrigins, sessionEnded));
    guard.setAsyncSupported("true");
    context.addFilterDef(guard);
    FilterMap guardMap = new FilterMap();
    guardMap.setFilterName("guard");
    guardMap.addURLPattern("/*");
    context.addFilterMap(guardMap);
    Wrapper wrapper = Tomcat.addServlet(context, "mcp", servlet);
    // The transport answers with server-sent events, on asynchronous requests.
    wrapper.setAsyncSupported(true);
    context.addServletMapping(ENDPOINT_PATH, wrapper.getName());
    try {
      tomcat.start();
    } catch (LifecycleException e) {
      stopTomcat(tomcat, dir);
      throw new IOException("Could not start the HTTP server on " + builder.httpHost + ":"
          + builder.httpPort + ": " + e.getMessage(), e);
    }
    if (connector.getLocalPort() <= 0) {
      stopTomcat(tomcat, dir);
      throw new IOException("Could not listen on " + builder.httpHost + ":" + builder.httpPort
          + " (in use, or not an address of this machine)");
    }
    return tomcat;
  }

  private static void stopTomcat(@Nullable Tomcat tomcat, @Nullable Path dir) {
    if (tomcat != null) {
      try {
        tomcat.stop();
        tomcat.destroy();
      } catch (LifecycleException e) {
        LOG.debug("Stopping the HTTP server failed", e);
      }
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        LOG.debug("Removing {} failed", dir, e);
      }
    }
  }

  /** Builds a {@link SandboxMcpServer}. */
  public static final class Builder {
    private final SandboxFleet fleet;
    private String sessionLabelKey = SandboxTools.DEFAULT_SESSION_LABEL_KEY;
    private InputStream in = System.in;
    private OutputStream out = System.out;
    private @Nullable String httpHost;
    private int httpPort;
    private @Nullable String httpToken;
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private Duration requestTimeout = Duration.ofMinutes(11);

    private Builder(SandboxFleet fleet) {
      this.fleet = fleet;
    }

    /**
     * Serves MCP over the given streams, newline-delimited JSON-RPC, as a process serves its
     * host over standard input and output (the default, on {@code System.in} and
     * {@code System.out}). Nothing else may write to {@code out}.
     *
     * @param in where requests arrive; its end stops the server, once the requests read before
     *     it are answered (waiting at most the {@link #requestTimeout request timeout})
     * @param out where answers go
     * @return this builder
     */
    public Builder stdio(InputStream in, OutputStream out) {
      this.in = Objects.requireNonNull(in, "in");
      this.out = Objects.requireNonNull(out, "out");
      this.httpHost = null;
      return this;
    }

    /**
     * Serves MCP over streamable HTTP at {@code http://host:port/mcp}. Whoever reaches the port
     * can run code in sandboxes: keep the loopback address, or set a {@link #httpToken token}.
     *
     * @param host the address to listen on, e.g. {@code 127.0.0.1}
     * @param port the port; 0 for a free one (see {@link SandboxMcpServer#endpoint()})
     * @return this builder
     * @throws IllegalArgumentException if the port is out of range
     */
    public Builder http(String host, int port) {
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
      }
      this.httpHost = host;
      this.httpPort = port;
      return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>} on every HTTP request.
     *
     * @param token the token; null for none (the default)
     * @return this builder
     */
    public Builder httpToken(@Nullable String token) {
      if (token != null && (token.isBlank() || !token.chars().allMatch(c -> c > 32 && c < 127))) {
        throw new IllegalArgumentException("The HTTP token must be printable ASCII without spaces");
      }
      this.httpToken = token;
      return this;
    }

    /**
     * Allows browsers' requests from {@code origin} (e.g. {@code https://host.example}); those
     * from loopback origins are always allowed, other origins refused, against DNS rebinding.
     *
     * @param origin the origin, as browsers send it
     * @return this builder
     */
    public Builder allowOrigin(String origin) {
      allowedOrigins.add(Objects.requireNonNull(origin, "origin"));
      return this;
    }

    /**
     * The label that ties a claim to its MCP session; default
     * {@value SandboxTools#DEFAULT_SESSION_LABEL_KEY}, as the reference's server.
     *
     * @param key a valid label key
     * @return this builder
     */
    public Builder sessionLabelKey(String key) {
      this.sessionLabelKey = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * How long one request may take before the server gives up on it; default 11 minutes,
     * above the tools' longest timeout (600 s). Over stdio it also bounds how long the end of
     * the input waits for the answers to the requests read before it.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Starts serving.
     *
     * @return the running server
     * @throws IOException if the HTTP port cannot be bound
     */
    public SandboxMcpServer start() throws IOException {
      if (httpHost != null) {
        // Resolve now, for a clear error on a bad address.
        InetAddress.getByName(httpHost);
      }
      return new SandboxMcpServer(this);
    }
  }

  /** Counts down a latch at the end of the stream, for {@link #awaitStop()}. */
  private static final class EndSignallingInputStream extends FilterInputStream {
    private final CountDownLatch ended;

    EndSignallingInputStream(InputStream in, CountDownLatch ended) {
      super(in);
      this.ended = ended;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b < 0) {
        ended.countDown();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n < 0) {
        ended.countDown();
      }
      return n;
    }
  }
}
