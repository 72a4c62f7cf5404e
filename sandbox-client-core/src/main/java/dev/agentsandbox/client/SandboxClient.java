package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.ClaimNames;
import dev.agentsandbox.client.internal.HttpSettings;
import dev.agentsandbox.model.KubernetesNames;
import dev.agentsandbox.client.internal.RuntimeHttpApi;
import dev.agentsandbox.client.internal.SandboxClaimWatcher;
import dev.agentsandbox.client.internal.SandboxConnector;
import dev.agentsandbox.client.internal.SandboxConnectors;
import dev.agentsandbox.client.internal.SandboxPaths;
import dev.agentsandbox.client.internal.SandboxRef;
import dev.agentsandbox.model.RouterProtocol;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox on a Kubernetes cluster running agent-sandbox: run commands in it and move files in
 * and out. Building one creates a SandboxClaim, waits until the controller reports it ready and
 * connects to the sandbox router; closing it deletes the claim, which lets the controller remove
 * the sandbox.
 *
 * <pre>{@code
 * try (SandboxClient sandbox = SandboxClient.builder()
 *     .templateName("python-runtime-template")
 *     .namespace("default")
 *     .build()) {
 *   ExecutionResult result = sandbox.run("echo 'Hello from the sandboxed environment!'");
 *   System.out.println(result.stdout());
 *   sandbox.write("data/input.txt", "42");
 *   byte[] bytes = sandbox.read("data/input.txt");
 * }
 * }</pre>
 *
 * <p>All operations block the calling thread. The client is thread-safe: several threads may run
 * commands and transfer files at the same time. Commands are split into words by the runtime
 * and executed without a shell; use {@code run("sh -c 'a | b'")} for pipes and redirection.
 * File paths are relative to the runtime's base directory; a leading {@code /} is stripped and
 * {@code ..} segments are rejected before anything is sent.
 *
 * <p>Failures are unchecked {@link SandboxException}s. After {@link #close()} every operation
 * throws {@link IllegalStateException}.
 *
 * @since 0.1.0
 */
public final class SandboxClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxClient.class);
  private static final int CREATE_ATTEMPTS = 3;

  private final String claimName;
  private final String sandboxName;
  private final String namespace;
  private final String templateName;
  private final KubernetesClient kubernetes;
  private final boolean ownsKubernetes;
  private final SandboxConnector connector;
  private final RuntimeHttpApi http;
  private final SandboxRef ref;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SandboxClient(Builder builder, KubernetesClient kubernetes, boolean ownsKubernetes,
      SandboxRef ref, SandboxConnector connector, RuntimeHttpApi http) {
    this.claimName = ref.claimName();
    this.sandboxName = ref.sandboxName();
    this.namespace = ref.namespace();
    this.templateName = builder.templateName;
    this.kubernetes = kubernetes;
    this.ownsKubernetes = ownsKubernetes;
    this.connector = connector;
    this.http = http;
    this.ref = ref;
  }

  /**
   * Starts configuring a sandbox.
   *
   * @return a new builder; {@link Builder#templateName(String)} is required
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs a command with the default run timeout ({@link Builder#runTimeout(Duration)}).
   * Blocks until it finishes. The command is never re-sent once it may have reached the sandbox.
   *
   * @param command the command line, split into words by the runtime (no shell)
   * @return stdout, stderr and exit code; a non-zero exit code is not an exception
   * @throws IllegalArgumentException if the command is blank
   * @throws SandboxRequestException if the router or runtime answers with an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws SandboxResponseTooLargeException if the output exceeds the response limit
   * @throws IllegalStateException if this client is closed
   */
  public ExecutionResult run(String command) {
    return runWith(command, null);
  }

  /**
   * Runs a command, allowing it {@code timeout} to finish; the router is asked to wait that
   * long ({@code X-Sandbox-Timeout}). Blocks until it finishes.
   *
   * @param command the command line, split into words by the runtime (no shell)
   * @param timeout positive, at most 24 hours; rounded up to whole seconds
   * @return stdout, stderr and exit code; a non-zero exit code is not an exception
   * @throws IllegalArgumentException if the command is blank or the timeout out of range
   * @throws SandboxRequestException if the router or runtime answers with an HTTP error (504
   *     when the router gave up waiting)
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws SandboxResponseTooLargeException if the output exceeds the response limit
   * @throws IllegalStateException if this client is closed
   */
  public ExecutionResult run(String command, Duration timeout) {
    Builder.requireTimeout("timeout", timeout);
    return runWith(command, timeout);
  }

  private ExecutionResult runWith(String command, Duration timeout) {
    Objects.requireNonNull(command, "command");
    if (command.isBlank()) {
      throw new IllegalArgumentException("command must not be blank");
    }
    ensureOpen();
    return http.execute(command, timeout);
  }

  /**
   * Writes a file in the sandbox, replacing it if it exists and creating parent directories.
   * Blocks until the runtime stored it. Not retried once the upload may have started.
   *
   * @param path relative path (a leading {@code /} is stripped), no {@code ..} segments, no
   *     {@code "} (a multipart upload cannot carry it)
   * @param content the bytes to store
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxRequestException on an HTTP error (403 if the path escapes the base directory)
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if this client is closed
   */
  public void write(String path, byte[] content) {
    Objects.requireNonNull(content, "content");
    ensureOpen();
    http.upload(SandboxPaths.upload(path, ref), content);
  }

  /**
   * Writes a text file in the sandbox, encoded as UTF-8. See {@link #write(String, byte[])}.
   *
   * @param path relative path (a leading {@code /} is stripped), no {@code ..} segments, no
   *     {@code "}
   * @param utf8Content the text to store
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxRequestException on an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if this client is closed
   */
  public void write(String path, String utf8Content) {
    Objects.requireNonNull(utf8Content, "utf8Content");
    write(path, utf8Content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a whole file from the sandbox. Blocks; retried on transient router errors.
   *
   * @param path relative path (a leading {@code /} is stripped), no {@code ..} segments
   * @return the file's bytes
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the file does not exist
   * @throws SandboxResponseTooLargeException if the file exceeds the response limit
   * @throws SandboxRequestException on another HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if this client is closed
   */
  public byte[] read(String path) {
    ensureOpen();
    return http.download(SandboxPaths.file(path, ref));
  }

  /**
   * Lists a directory in the sandbox. Blocks; retried on transient router errors.
   *
   * @param path relative directory path; {@code ""}, {@code "."} or {@code "/"} is the base
   *     directory
   * @return the entries, in the runtime's order
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the path is not a directory
   * @throws SandboxRequestException on another HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if this client is closed
   */
  public List<FileEntry> list(String path) {
    ensureOpen();
    return http.list(SandboxPaths.directory(path, ref));
  }

  /**
   * Tells whether a file or directory exists in the sandbox. Blocks; retried on transient
   * router errors.
   *
   * @param path relative path (a leading {@code /} is stripped), no {@code ..} segments
   * @return whether it exists
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxRequestException on an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if this client is closed
   */
  public boolean exists(String path) {
    ensureOpen();
    return http.exists(SandboxPaths.directory(path, ref));
  }

  /**
   * The name of the SandboxClaim this client created.
   *
   * @return {@code sandbox-claim-} followed by eight hex digits
   */
  public String claimName() {
    return claimName;
  }

  /**
   * The name of the Sandbox serving the claim, which requests are routed to. Differs from the
   * claim name when the sandbox came from a warm pool.
   *
   * @return the sandbox name from the claim's status
   */
  public String sandboxName() {
    return sandboxName;
  }

  /**
   * The namespace of the claim and sandbox.
   *
   * @return the namespace
   */
  public String namespace() {
    return namespace;
  }

  /**
   * The SandboxTemplate the sandbox was made from.
   *
   * @return the template name
   */
  public String templateName() {
    return templateName;
  }

  /**
   * Deletes the claim (the controller then removes the sandbox), closes the tunnel and releases
   * HTTP threads and connections; closes the KubernetesClient only if this client created it.
   * Calls in flight on other threads are cancelled. Idempotent and never throws: a failed
   * deletion is logged at WARN with the command to clean up by hand. Blocks for the delete call.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    http.close();
    connector.close();
    boolean deleted = deleteClaim(kubernetes, namespace, claimName);
    if (ownsKubernetes) {
      kubernetes.close();
    }
    if (deleted) {
      LOG.info("Closed sandbox {}: deleted SandboxClaim {}/{}", sandboxName, namespace, claimName);
    }
  }

  /** The HTTP client, so tests can check its resources are released. */
  OkHttpClient httpClient() {
    return http.okHttpClient();
  }

  @Override
  public String toString() {
    return "SandboxClient[claim=" + namespace + "/" + claimName + ", sandbox=" + sandboxName
        + (closed.get() ? ", closed" : "") + "]";
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("SandboxClient for SandboxClaim '" + claimName
          + "' in namespace '" + namespace + "' is closed: build a new one");
    }
  }

  private static SandboxClient start(Builder b, KubernetesClient kubernetes, boolean owned) {
    long startNanos = System.nanoTime();
    long deadline = startNanos + b.readyTimeout.toNanos();
    SandboxClaim created = createClaim(b, kubernetes);
    String claimName = created.getMetadata().getName();
    LOG.info("Created SandboxClaim {}/{} from template {}", b.namespace, claimName, b.templateName);
    SandboxConnector connector = null;
    RuntimeHttpApi http = null;
    try {
      String sandboxName = new SandboxClaimWatcher(kubernetes, b.namespace, claimName,
          b.templateName).awaitReady(created.getMetadata().getResourceVersion(), deadline,
          b.readyTimeout);
      LOG.info("SandboxClaim {}/{} ready in {} ms: sandbox {}", b.namespace, claimName,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), sandboxName);
      SandboxRef ref = new SandboxRef(claimName, b.namespace, sandboxName);
      HttpSettings settings = new HttpSettings(b.connectTimeout, b.readTimeout, b.runTimeout,
          b.maxResponseSize, b.sandboxPort, b.retryPolicy);
      connector = SandboxConnectors.create(b.connection, kubernetes, b.namespace, settings);
      http = connector.connect(ref);
      LOG.info("Connected to sandbox {} via {}", sandboxName, connector.describe());
      return new SandboxClient(b, kubernetes, owned, ref, connector, http);
    } catch (InterruptedException e) {
      abandon(kubernetes, b.namespace, claimName, connector, http);
      Thread.currentThread().interrupt();
      throw new SandboxException("Interrupted while waiting for SandboxClaim '" + claimName
          + "' in namespace '" + b.namespace + "'; the claim was deleted", claimName, b.namespace, e);
    } catch (RuntimeException | Error e) {
      abandon(kubernetes, b.namespace, claimName, connector, http);
      throw e;
    }
  }

  private static SandboxClaim createClaim(Builder b, KubernetesClient kubernetes) {
    for (int attempt = 1; ; attempt++) {
      String name = ClaimNames.generate(
          b.random != null ? b.random : ThreadLocalRandom.current());
      SandboxClaim claim = ClaimNames.newClaim(name, b.namespace, b.templateName, b.labels,
          b.clock.instant());
      try {
        return kubernetes.resources(SandboxClaim.class).inNamespace(b.namespace).resource(claim)
            .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          // fabric8 re-sends a request whose answer was lost; the claim it then finds may be
          // the one this very request created.
          SandboxClaim ours = findOwnClaim(kubernetes, claim);
          if (ours != null) {
            return ours;
          }
          if (attempt < CREATE_ATTEMPTS) {
            continue;
          }
        }
        boolean interrupted = Thread.currentThread().isInterrupted()
            || e.getCause() instanceof InterruptedException;
        if (e.getCode() == 0 || e.getCode() >= 500 || interrupted) {
          // The request may have been sent: make sure no claim is left behind.
          deleteClaim(kubernetes, b.namespace, name);
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
          InterruptedException cause = new InterruptedException("interrupted while creating a claim");
          cause.initCause(e);
          throw new SandboxException("Interrupted while creating SandboxClaim '" + name
              + "' in namespace '" + b.namespace + "'; the claim was deleted", name, b.namespace,
              cause);
        }
        throw new SandboxException("Could not create a SandboxClaim in namespace '" + b.namespace
            + "'" + (e.getCode() == 0 ? "" : " (HTTP " + e.getCode() + ")") + ": "
            + e.getMessage() + ". Check that the agent-sandbox CRDs are installed, the namespace "
            + "exists and your credentials may create sandboxclaims", null, b.namespace, e);
      }
    }
  }

  /** The stored claim of that name if it is the one {@code sent} describes, else null. */
  private static SandboxClaim findOwnClaim(KubernetesClient kubernetes, SandboxClaim sent) {
    SandboxClaim stored;
    try {
      stored = kubernetes.resources(SandboxClaim.class).inNamespace(sent.getMetadata().getNamespace())
          .withName(sent.getMetadata().getName()).get();
    } catch (KubernetesClientException e) {
      return null;
    }
    if (stored == null || stored.getSpec() == null || stored.getSpec().getSandboxTemplateRef() == null) {
      return null;
    }
    boolean sameRequest = Objects.equals(
        stored.getMetadata().getAnnotations().get(SandboxKeys.CLIENT_FIRST_REQUESTED_AT),
        sent.getMetadata().getAnnotations().get(SandboxKeys.CLIENT_FIRST_REQUESTED_AT))
        && Objects.equals(stored.getMetadata().getLabels().get(SandboxKeys.CREATED_BY),
            sent.getMetadata().getLabels().get(SandboxKeys.CREATED_BY))
        && Objects.equals(stored.getSpec().getSandboxTemplateRef().getName(),
            sent.getSpec().getSandboxTemplateRef().getName());
    return sameRequest ? stored : null;
  }

  private static void abandon(KubernetesClient kubernetes, String namespace, String claimName,
      SandboxConnector connector, RuntimeHttpApi http) {
    if (http != null) {
      http.close();
    }
    if (connector != null) {
      connector.close();
    }
    if (deleteClaim(kubernetes, namespace, claimName)) {
      LOG.info("Deleted SandboxClaim {}/{} after a failed start", namespace, claimName);
    }
  }

  /** Deletes a claim (absent counts as deleted); logs at WARN instead of throwing. */
  private static boolean deleteClaim(KubernetesClient kubernetes, String namespace, String name) {
    // Cleanup must run even when the thread was interrupted; the flag is restored afterwards.
    boolean interrupted = Thread.interrupted();
    try {
      kubernetes.resources(SandboxClaim.class).inNamespace(namespace).withName(name).delete();
      return true;
    } catch (RuntimeException e) {
      LOG.warn("Could not delete SandboxClaim {}/{}: {}. Delete it with: kubectl delete "
          + "sandboxclaim {} -n {}", namespace, name, e.toString(), name, namespace);
      return false;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Configures and creates a {@link SandboxClient}. Every setter validates its argument at once
   * and throws {@link IllegalArgumentException} (or {@link NullPointerException} for null), so
   * a misconfiguration never creates anything on the cluster. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    /** Largest response limit: the largest byte array a JVM can allocate. */
    static final long MAX_RESPONSE_LIMIT = Integer.MAX_VALUE - 8;

    private String templateName;
    private String namespace = "default";
    private Map<String, String> labels = Map.of();
    private Duration readyTimeout = Duration.ofSeconds(180);
    private ConnectionMode connection = ConnectionMode.tunnel();
    private KubernetesClient kubernetesClient;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(60);
    private Duration runTimeout = Duration.ofSeconds(180);
    private long maxResponseSize = 16L * 1024 * 1024;
    private int sandboxPort = RouterProtocol.RUNTIME_PORT;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private RandomGenerator random;

    private Builder() {
    }

    /**
     * The SandboxTemplate to make the sandbox from. Required.
     *
     * @param templateName a DNS-1123 subdomain, e.g. {@code python-runtime-template}
     * @return this builder
     * @throws IllegalArgumentException if not a valid name
     */
    public Builder templateName(String templateName) {
      Objects.requireNonNull(templateName, "templateName");
      KubernetesNames.requireSubdomain("templateName", templateName);
      this.templateName = templateName;
      return this;
    }

    /**
     * The namespace to create the claim in; the template must be there. Default {@code default}.
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
     * Labels to put on the claim, in addition to {@code agents.x-k8s.io/created-by: java-client}.
     *
     * @param labels valid Kubernetes label keys and values; copied
     * @return this builder
     * @throws IllegalArgumentException if a key or value is invalid or the key is
     *     {@code agents.x-k8s.io/created-by}
     */
    public Builder labels(Map<String, String> labels) {
      Objects.requireNonNull(labels, "labels");
      Map<String, String> copy = new LinkedHashMap<>(labels);
      KubernetesNames.requireLabels(copy);
      if (copy.containsKey(SandboxKeys.CREATED_BY)) {
        throw new IllegalArgumentException("label " + SandboxKeys.CREATED_BY
            + " is set by the client and cannot be overridden");
      }
      this.labels = copy;
      return this;
    }

    /**
     * How long {@link #build()} waits for the sandbox to become ready, from the start of
     * {@code build()}. Default 180 s.
     *
     * @param readyTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder readyTimeout(Duration readyTimeout) {
      this.readyTimeout = requireTimeout("readyTimeout", readyTimeout);
      return this;
    }

    /**
     * How to reach the sandbox router. Default {@link ConnectionMode#tunnel()}.
     *
     * @param connection the mode
     * @return this builder
     */
    public Builder connection(ConnectionMode connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * The Kubernetes client to use. It is not closed by {@link SandboxClient#close()}. By
     * default a client is created from the kubeconfig or in-cluster configuration, and closed
     * with the sandbox.
     *
     * @param kubernetesClient the client
     * @return this builder
     */
    public Builder kubernetesClient(KubernetesClient kubernetesClient) {
      this.kubernetesClient = Objects.requireNonNull(kubernetesClient, "kubernetesClient");
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
      this.connectTimeout = requireTimeout("connectTimeout", connectTimeout);
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
      this.readTimeout = requireTimeout("readTimeout", readTimeout);
      return this;
    }

    /**
     * How long {@link SandboxClient#run(String)} lets a command run. Default 180 s, the reference
     * router's upstream timeout. The runtime has its own limit (300 s by default).
     *
     * @param runTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder runTimeout(Duration runTimeout) {
      this.runTimeout = requireTimeout("runTimeout", runTimeout);
      return this;
    }

    /**
     * The largest response read into memory: command output (as JSON) and file contents.
     * Default 16 MiB. Larger responses fail with {@link SandboxResponseTooLargeException}.
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
     * The port the runtime listens on inside the sandbox, sent as {@code X-Sandbox-Port}.
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

    Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the SandboxClaim, waits until it is ready and connects to the sandbox. Blocks up
     * to the ready timeout plus the time to open the connection. If anything fails after the
     * claim was created, including interruption, the claim is deleted before the exception
     * leaves this method.
     *
     * @return a ready sandbox; close it to delete the claim
     * @throws IllegalStateException if no template name was set
     * @throws TemplateNotFoundException if the template does not exist
     * @throws ClaimFailedException if the controller reports a failure it will not recover from,
     *     or the claim is deleted while waiting
     * @throws SandboxReadyTimeoutException if the sandbox is not ready within the ready timeout
     * @throws SandboxConnectionException if the router cannot be reached
     * @throws SandboxException if the claim cannot be created or watched, or on interruption
     *     (the interrupt flag is then set again)
     */
    public SandboxClient build() {
      if (templateName == null) {
        throw new IllegalStateException("templateName is required: the SandboxTemplate to make "
            + "the sandbox from");
      }
      boolean owned = kubernetesClient == null;
      KubernetesClient kubernetes = owned ? new KubernetesClientBuilder().build() : kubernetesClient;
      try {
        return start(this, kubernetes, owned);
      } catch (RuntimeException | Error e) {
        if (owned) {
          kubernetes.close();
        }
        throw e;
      }
    }

    static Duration requireTimeout(String name, Duration timeout) {
      Objects.requireNonNull(timeout, name);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + timeout);
      }
      if (timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(name + " must be at most " + MAX_TIMEOUT + ", got "
            + timeout);
      }
      return timeout;
    }
  }
}
