package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.HttpSettings;
import dev.agentsandbox.client.internal.ModelKinds;
import dev.agentsandbox.client.internal.SandboxConnector;
import dev.agentsandbox.client.internal.SandboxConnectors;
import dev.agentsandbox.client.internal.SandboxHandle;
import dev.agentsandbox.client.internal.SandboxProvisioner;
import dev.agentsandbox.client.internal.SandboxdConnector;
import dev.agentsandbox.client.internal.ShutdownCleanup;
import dev.agentsandbox.client.internal.Telemetry;
import dev.agentsandbox.client.internal.Timeouts;
import dev.agentsandbox.model.internal.KubernetesNames;
import dev.agentsandbox.model.internal.RouterProtocol;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many sandboxes at once, for agents: create, attach to, list and terminate sandboxes, each a
 * {@link Sandbox} handle, over one shared Kubernetes client and one shared connection to the
 * sandbox router (one tunnel for all sandboxes in tunnel mode).
 *
 * <p><b>Which to use:</b> {@link SandboxClient} for one sandbox in a try-with-resources block
 * (scripts, tests, the tutorial). {@code SandboxFleet} when a program keeps several sandboxes,
 * hands them between threads, keeps one beyond a block, or re-attaches to a sandbox after a
 * restart. Both share the same implementation and behaviour.
 *
 * <pre>{@code
 * try (SandboxFleet fleet = SandboxFleet.builder().namespace("agents").build()) {
 *   Sandbox a = fleet.create(SandboxOptions.ofTemplate("python-runtime-template"));
 *   Sandbox b = fleet.create(SandboxOptions.builder()
 *       .templateName("python-runtime-template")
 *       .labels(Map.of("task", "review"))
 *       .ttl(Duration.ofHours(1))
 *       .build());
 *   a.commands().run("python3 -c 'print(1)'");
 *   b.files().write("notes.txt", "hello");
 *   a.terminate();
 * } // b's claim is deleted here
 * }</pre>
 *
 * <p>Closing the fleet ends every handle and, by default, deletes every claim the fleet created
 * that is still held (not {@link Sandbox#terminate() terminated} or
 * {@link Sandbox#disconnect() disconnected}), so sandboxes are not left running; claims it
 * {@link #attach(String, String) attached} to are kept. Use
 * {@link Builder#keepClaimsOnClose(boolean)} to keep created claims too, and give them a
 * {@link SandboxOptions.Builder#ttl(Duration) ttl}.
 *
 * <p>Thread-safe: any thread may create, use and terminate sandboxes at the same time. All
 * methods block; failures are unchecked {@link SandboxException}s. After {@link #close()},
 * {@link #create}, {@link #attach} and {@link #list} throw {@link IllegalStateException}.
 *
 * @since 0.1.0
 */
public final class SandboxFleet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxFleet.class);

  private final String namespace;
  private final Duration readyTimeout;
  private final boolean keepClaimsOnClose;
  private final KubernetesClient kubernetes;
  private final boolean ownsKubernetes;
  private final SandboxConnector connector;
  private final SandboxProvisioner provisioner;
  private final Map<SandboxHandle, Boolean> held = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ShutdownCleanup.Task shutdownCleanup;
  /** The public type users hold, named in messages: SandboxFleet, or SandboxClient. */
  private final String handleType;

  private SandboxFleet(Builder b, KubernetesClient kubernetes, boolean ownsKubernetes) {
    this.handleType = b.handleType;
    this.namespace = b.namespace;
    this.readyTimeout = b.readyTimeout;
    this.keepClaimsOnClose = b.keepClaimsOnClose;
    this.kubernetes = kubernetes;
    this.ownsKubernetes = ownsKubernetes;
    ModelKinds.register(kubernetes);
    HttpSettings settings = new HttpSettings(b.connectTimeout, b.readTimeout, b.runTimeout,
        b.maxResponseSize, b.sandboxPort, b.retryPolicy);
    this.connector = SandboxConnectors.create(b.connection, kubernetes, b.namespace, settings);
    List<Telemetry> telemetry = new ArrayList<>();
    if (b.tracing != null) {
      telemetry.add(b.tracing.telemetry());
    }
    if (b.metrics != null) {
      telemetry.add(b.metrics.telemetry());
    }
    this.provisioner = new SandboxProvisioner(kubernetes, b.apiVersion, connector,
        new SandboxdConnector(b.connection, kubernetes, settings), b.podExec, Telemetry.of(telemetry),
        b.clock, b.random);
    // Last: a registered task keeps a reference to this fleet.
    this.shutdownCleanup = b.terminateOnShutdown ? ShutdownCleanup.register(
        "the sandboxes of " + b.handleType + " in namespace " + b.namespace,
        this::terminateAllQuietly)
        : ShutdownCleanup.none();
  }

  /**
   * Starts configuring a fleet.
   *
   * @return a new builder; every setting has a default
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a SandboxClaim, waits until the controller reports it ready and connects to its
   * sandbox. Blocks up to the ready timeout plus the time to connect. If anything fails after
   * the claim was created, including interruption, the claim is deleted before the exception
   * leaves this method.
   *
   * @param options what to create
   * @return a ready sandbox, held by this fleet until terminated or disconnected
   * @throws IllegalArgumentException if the options do not fit the claim API version (a
   *     template is required on v1alpha1, a named pool on v1beta1, volume claim templates need
   *     v1beta1, environment variables need {@link WarmPool#none()} on v1alpha1); nothing is
   *     created then
   * @throws TemplateNotFoundException if the template does not exist
   * @throws WarmPoolNotFoundException if the named warm pool does not exist
   * @throws ClaimFailedException if the controller reports another failure it will not recover
   *     from, or the claim is deleted while waiting
   * @throws SandboxReadyTimeoutException if the sandbox is not ready within the ready timeout
   * @throws SandboxConnectionException if the router cannot be reached
   * @throws SandboxInterruptedException if the thread is interrupted; the interrupt flag is
   *     set again
   * @throws SandboxException if the claim cannot be created or watched
   * @throws IllegalStateException if this fleet is closed
   */
  public Sandbox create(SandboxOptions options) {
    return createHandle(options);
  }

  SandboxHandle createHandle(SandboxOptions options) {
    Objects.requireNonNull(options, "options");
    ensureOpen();
    SandboxHandle handle = provisioner.create(options, options.namespace().orElse(namespace),
        options.readyTimeout().orElse(readyTimeout), this::forget);
    return hold(handle);
  }

  /**
   * Attaches to an existing claim in the fleet's namespace. See
   * {@link #attach(String, String)}.
   *
   * @param claimName the SandboxClaim's name
   * @return a ready sandbox
   * @throws IllegalArgumentException if the name is not a valid claim name
   * @throws ClaimNotFoundException if there is no such claim
   * @throws TemplateNotFoundException if its template is missing
   * @throws ClaimFailedException if the claim failed for good
   * @throws SandboxReadyTimeoutException if it is not ready within the fleet's ready timeout
   * @throws SandboxConnectionException if the router cannot be reached
   * @throws IllegalStateException if this fleet is closed
   */
  public Sandbox attach(String claimName) {
    return attach(namespace, claimName);
  }

  /**
   * Attaches to an existing claim, for example one this program created before a restart:
   * waits until it is ready (up to the fleet's ready timeout) and connects to its sandbox.
   * The claim is not deleted if this fails, nor when the fleet closes; only
   * {@link Sandbox#terminate()} deletes it.
   *
   * @param namespace the claim's namespace
   * @param claimName the SandboxClaim's name
   * @return a ready sandbox
   * @throws IllegalArgumentException if a name is invalid
   * @throws ClaimNotFoundException if there is no such claim
   * @throws TemplateNotFoundException if its template is missing
   * @throws ClaimFailedException if the claim failed for good
   * @throws SandboxReadyTimeoutException if it is not ready within the fleet's ready timeout
   * @throws SandboxConnectionException if the router cannot be reached
   * @throws IllegalStateException if this fleet is closed
   */
  public Sandbox attach(String namespace, String claimName) {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(claimName, "claimName");
    KubernetesNames.requireLabel("namespace", namespace);
    KubernetesNames.requireSubdomain("claimName", claimName);
    ensureOpen();
    return hold(provisioner.attach(namespace, claimName, readyTimeout, this::forget));
  }

  /**
   * Lists the claims in the fleet's namespace that carry all the given labels, whoever created
   * them. Blocks for one or two list calls.
   *
   * @param labels label keys and values to match; empty lists every claim
   * @return the claims, as summaries
   * @throws IllegalArgumentException if a label is invalid
   * @throws SandboxException if the API server cannot be asked
   * @throws IllegalStateException if this fleet is closed
   */
  public List<SandboxSummary> list(Map<String, String> labels) {
    return list(namespace, labels);
  }

  /**
   * Lists the claims in a namespace that carry all the given labels. See {@link #list(Map)}.
   *
   * @param namespace the namespace
   * @param labels label keys and values to match
   * @return the claims, as summaries
   * @throws IllegalArgumentException if the namespace or a label is invalid
   * @throws SandboxException if the API server cannot be asked
   * @throws IllegalStateException if this fleet is closed
   */
  public List<SandboxSummary> list(String namespace, Map<String, String> labels) {
    Objects.requireNonNull(namespace, "namespace");
    KubernetesNames.requireLabel("namespace", namespace);
    KubernetesNames.requireLabels(Objects.requireNonNull(labels, "labels"));
    ensureOpen();
    return provisioner.list(namespace, labels);
  }

  /**
   * The sandboxes this fleet holds: created or attached, not yet terminated or disconnected.
   *
   * @return a snapshot, in creation order
   */
  public List<Sandbox> sandboxes() {
    synchronized (held) {
      return List.copyOf(held.keySet());
    }
  }

  /**
   * Terminates every sandbox this fleet created and still holds (attached ones are left
   * alone). Keeps going when one fails. Blocks for the delete calls.
   *
   * @throws SandboxException if a claim could not be deleted; the others are deleted anyway
   *     and each is released locally
   */
  public void terminateAll() {
    SandboxException failure = null;
    List<SandboxHandle> handles;
    synchronized (held) {
      handles = List.copyOf(held.keySet());
    }
    for (SandboxHandle sandbox : handles) {
      if (sandbox.created()) {
        try {
          sandbox.terminate();
        } catch (SandboxException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * The namespace sandboxes are created in unless their options name another.
   *
   * @return the namespace
   */
  public String namespace() {
    return namespace;
  }

  /**
   * Ends every handle (cancelling calls in flight), deletes the claims this fleet created and
   * still holds unless {@link Builder#keepClaimsOnClose(boolean)} was set, releases the shared
   * connection, and closes the Kubernetes client if the fleet created it. Idempotent and never
   * throws: a failed deletion is logged at WARN with the command to clean up by hand. Blocks
   * for the delete calls.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    shutdownCleanup.close();
    List<SandboxHandle> handles;
    synchronized (held) {
      handles = new ArrayList<>(held.keySet());
      held.clear();
    }
    // A handle terminated or disconnected concurrently is no longer this method's to delete.
    handles.removeIf(handle -> !handle.closeLocally());
    provisioner.close();
    connector.close();
    for (SandboxHandle handle : handles) {
      if (handle.created() && !keepClaimsOnClose) {
        if (handle.deleteClaimQuietly()) {
          LOG.info("Closed sandbox {}: deleted SandboxClaim {}/{}", handle.sandboxName(),
              handle.namespace(), handle.claimName());
        }
      } else {
        LOG.info("Closed sandbox {}; SandboxClaim {}/{} is kept", handle.sandboxName(),
            handle.namespace(), handle.claimName());
      }
    }
    if (ownsKubernetes) {
      kubernetes.close();
    }
  }

  /** Does the shutdown hook's work now, so tests can run it; nothing if it is off. */
  void runShutdownCleanup() {
    shutdownCleanup.run();
  }

  private void terminateAllQuietly() {
    try {
      terminateAll();
    } catch (RuntimeException e) {
      LOG.warn("Could not terminate every sandbox at shutdown: {}", e.getMessage());
    }
  }

  private SandboxHandle hold(SandboxHandle handle) {
    handle.describeAs(handleType);
    synchronized (held) {
      if (!closed.get()) {
        held.put(handle, Boolean.TRUE);
        return handle;
      }
    }
    // Closed while this sandbox was being made: it must not outlive the fleet.
    handle.closeLocally();
    if (handle.created() && !keepClaimsOnClose) {
      handle.deleteClaimQuietly();
    }
    throw new IllegalStateException(handleType + " was closed while SandboxClaim '"
        + handle.claimName() + "' was being prepared");
  }

  private void forget(SandboxHandle handle) {
    synchronized (held) {
      held.remove(handle);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(handleType + " is closed: build a new one");
    }
  }

  @Override
  public String toString() {
    return "SandboxFleet[namespace=" + namespace + ", sandboxes=" + sandboxes().size()
        + (closed.get() ? ", closed" : "") + "]";
  }

  /**
   * Configures and creates a {@link SandboxFleet}. Every setter validates its argument at once
   * and throws {@link IllegalArgumentException} (or {@link NullPointerException} for null).
   * Building contacts nothing; the cluster is first asked on the first create, attach or list.
   * Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    static final long MAX_RESPONSE_LIMIT = Integer.MAX_VALUE - 8;

    private KubernetesClient kubernetesClient;
    private String namespace = "default";
    private ConnectionMode connection = ConnectionMode.tunnel();
    private ApiVersion apiVersion = ApiVersion.AUTO;
    private Duration readyTimeout = Duration.ofSeconds(180);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(60);
    private Duration runTimeout = Duration.ofSeconds(180);
    private long maxResponseSize = 16L * 1024 * 1024;
    private int sandboxPort = RouterProtocol.RUNTIME_PORT;
    private SandboxTracing tracing;
    private SandboxMetrics metrics;
    private boolean terminateOnShutdown;
    private boolean keepClaimsOnClose;
    private boolean podExec;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private Clock clock = Clock.systemUTC();
    private RandomGenerator random;
    private String handleType = "SandboxFleet";

    private Builder() {
    }

    /**
     * The Kubernetes client to use; it is not closed with the fleet. By default a client is
     * created from the kubeconfig or in-cluster configuration and closed with the fleet.
     *
     * @param kubernetesClient the client
     * @return this builder
     */
    public Builder kubernetesClient(KubernetesClient kubernetesClient) {
      this.kubernetesClient = Objects.requireNonNull(kubernetesClient, "kubernetesClient");
      return this;
    }

    /**
     * The default namespace for creating, attaching and listing; also where a
     * {@link ConnectionMode#tunnel()} looks for the router. Default {@code default}.
     *
     * @param namespace a DNS-1123 label
     * @return this builder
     * @throws IllegalArgumentException if not a valid namespace name
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      KubernetesNames.requireLabel("namespace", namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * How to reach the sandbox router; see {@link ConnectionMode}. Default
     * {@link ConnectionMode#tunnel()}.
     *
     * @param connection the mode
     * @return this builder
     */
    public Builder connection(ConnectionMode connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Which SandboxClaim API version to use. Default {@link ApiVersion#AUTO}.
     *
     * @param apiVersion the version, or AUTO to ask the cluster
     * @return this builder
     */
    public Builder apiVersion(ApiVersion apiVersion) {
      this.apiVersion = Objects.requireNonNull(apiVersion, "apiVersion");
      return this;
    }

    /**
     * How long {@link SandboxFleet#create(SandboxOptions)} (unless its options say otherwise)
     * and {@link SandboxFleet#attach(String, String)} wait for a sandbox to become ready.
     * Default 180 s.
     *
     * @param readyTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder readyTimeout(Duration readyTimeout) {
      this.readyTimeout = Timeouts.require("readyTimeout", readyTimeout);
      return this;
    }

    /**
     * TCP connect timeout for requests to the router. Default 10 s.
     *
     * @param connectTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = Timeouts.require("connectTimeout", connectTimeout);
      return this;
    }

    /**
     * Read timeout for file operations (longest silence while waiting for data). Default 60 s.
     *
     * @param readTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = Timeouts.require("readTimeout", readTimeout);
      return this;
    }

    /**
     * How long {@link SandboxCommands#run(String)} lets a command run. Default 180 s, the
     * reference router's upstream timeout.
     *
     * @param runTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder runTimeout(Duration runTimeout) {
      this.runTimeout = Timeouts.require("runTimeout", runTimeout);
      return this;
    }

    /**
     * The largest response read into memory: each of a command's stdout and stderr (as decoded
     * text; escapes in the JSON answer do not count), listings and
     * {@link SandboxFiles#read(String)}. Default 16 MiB. Streamed downloads are not limited.
     *
     * @param bytes positive, at most {@code Integer.MAX_VALUE - 8}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxResponseSize(long bytes) {
      if (bytes <= 0 || bytes > MAX_RESPONSE_LIMIT) {
        throw new IllegalArgumentException("maxResponseSize must be between 1 and "
            + MAX_RESPONSE_LIMIT + " bytes, got " + bytes);
      }
      this.maxResponseSize = bytes;
      return this;
    }

    /**
     * The port the runtime listens on inside each sandbox, sent as {@code X-Sandbox-Port}.
     * Default 8888.
     *
     * @param port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder sandboxPort(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("sandboxPort must be between 1 and 65535, got " + port);
      }
      this.sandboxPort = port;
      return this;
    }

    /**
     * Traces the fleet's operations with OpenTelemetry. Off by default.
     *
     * @param tracing from {@link SandboxTracing#openTelemetry}
     * @return this builder
     */
    public Builder tracing(SandboxTracing tracing) {
      this.tracing = Objects.requireNonNull(tracing, "tracing");
      return this;
    }

    /**
     * Times the fleet's operations with Micrometer. Off by default.
     *
     * @param metrics from {@link SandboxMetrics#micrometer}
     * @return this builder
     */
    public Builder metrics(SandboxMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Terminates the sandboxes the fleet created and still holds when the JVM shuts down with
     * the fleet open ({@code System.exit}, the end of {@code main}, SIGTERM or Ctrl-C), from
     * one JVM shutdown hook shared by every open fleet and {@link SandboxClient}. Best effort:
     * a killed JVM (SIGKILL, the OOM killer, a crash) runs no hooks, so give claims a
     * {@link SandboxOptions.Builder#ttl(Duration) ttl}, which the controller enforces, as the
     * backstop. {@link SandboxFleet#close()} withdraws the fleet from the hook. Off by default
     * (a fleet may be meant to outlive its process; see {@link #keepClaimsOnClose(boolean)});
     * on by default for {@link SandboxClient}.
     *
     * @param terminate whether to register the hook
     * @return this builder
     */
    public Builder terminateOnShutdown(boolean terminate) {
      this.terminateOnShutdown = terminate;
      return this;
    }

    /**
     * Whether sandboxes of the legacy runtime may run live processes
     * ({@link SandboxCommands#start}) through the Kubernetes {@code pods/exec} API, which streams;
     * the client's credentials then need RBAC {@code create} on {@code pods/exec} in the sandboxes'
     * namespace. Default false: on the legacy runtime {@code start} throws
     * {@link UnsupportedOperationException}. sandboxd runs live processes without it. Signals
     * other than an interrupt of a process with a terminal are a second exec of {@code kill},
     * which needs the pod's processes to share a pid namespace (as a container's do).
     *
     * @param allowed whether pods/exec may be used
     * @return this builder
     */
    public Builder podExec(boolean allowed) {
      this.podExec = allowed;
      return this;
    }

    /**
     * Whether {@link SandboxFleet#close()} keeps the claims the fleet created instead of
     * deleting them (for example to {@link SandboxFleet#attach(String, String) attach} to them
     * after a restart). Default false: closing deletes them.
     *
     * @param keep whether to keep them
     * @return this builder
     */
    public Builder keepClaimsOnClose(boolean keep) {
      this.keepClaimsOnClose = keep;
      return this;
    }

    /**
     * How requests that are safe to repeat are retried (see {@link RetryPolicy}). Default
     * {@link RetryPolicy#defaults()}: four attempts, 100 ms doubling up to 2 s.
     *
     * @param retryPolicy the policy; {@link RetryPolicy#none()} never retries
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    Builder handleType(String handleType) {
      this.handleType = handleType;
      return this;
    }

    Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the fleet. Contacts nothing yet, except to build the default Kubernetes client
     * from the local configuration.
     *
     * @return the fleet; close it to end its sandboxes
     */
    public SandboxFleet build() {
      boolean owned = kubernetesClient == null;
      KubernetesClient kubernetes = owned
          ? new KubernetesClientBuilder().withHttpClientFactory(new NoDelayHttpClientFactory()).build()
          : kubernetesClient;
      SandboxFleet fleet;
      try {
        fleet = new SandboxFleet(this, kubernetes, owned);
      } catch (RuntimeException | Error e) {
        if (owned) {
          kubernetes.close();
        }
        throw e;
      }
      return fleet;
    }
  }
}
