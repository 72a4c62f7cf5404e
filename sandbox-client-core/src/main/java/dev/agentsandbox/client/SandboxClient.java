package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.SandboxHandle;
import dev.agentsandbox.client.internal.Timeouts;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;

/**
 * One sandbox, for the tutorial and scripts: building it creates a SandboxClaim, waits until
 * the controller reports it ready and connects to the sandbox router; closing it deletes the
 * claim, which lets the controller remove the sandbox. If the JVM shuts down with the client
 * still open ({@code System.exit}, Ctrl-C), a shutdown hook deletes the claim
 * ({@link Builder#terminateOnShutdown(boolean)}); a killed JVM runs no hooks, so a
 * {@link Builder#ttl(Duration) ttl} is the backstop that lets the controller delete it anyway.
 *
 * <p><b>Which to use:</b> {@code SandboxClient} for one sandbox in a try-with-resources block.
 * {@link SandboxFleet} for programs (agents) that keep several sandboxes, keep one beyond a
 * block, or re-attach to one after a restart; it hands out {@link Sandbox} handles over one
 * shared connection. A {@code SandboxClient} is a fleet of one sandbox and behaves the same.
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
 * <p>All operations block the calling thread; interrupting it (or {@code Future.cancel(true)})
 * cancels the request in flight within a fraction of a second and throws
 * {@link SandboxInterruptedException} with the interrupt flag set. The client is thread-safe:
 * several threads may run commands and transfer files at the same time. Commands are split
 * into words by the runtime and executed without a shell; use {@code run("sh -c 'a | b'")} for
 * pipes and redirection.
 * File paths are relative to the runtime's base directory; a leading {@code /} is stripped and
 * {@code ..} segments are rejected before anything is sent. {@link #sandbox()} gives the
 * handle with the rest: status, pod name, streamed uploads and downloads.
 *
 * <p>Failures are unchecked {@link SandboxException}s; when the claim was deleted or expired
 * under the client, operations throw {@link SandboxGoneException}; when the sandbox's pod was
 * replaced (its files lost), the next operation throws {@link SandboxRestartedException} once.
 * After {@link #close()} every
 * operation throws {@link IllegalStateException}.
 *
 * @since 0.1.0
 */
public final class SandboxClient implements AutoCloseable {
  private final SandboxFleet fleet;
  private final SandboxHandle sandbox;
  private final String templateName;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SandboxClient(SandboxFleet fleet, SandboxHandle sandbox, String templateName) {
    this.fleet = fleet;
    this.sandbox = sandbox;
    this.templateName = templateName;
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
    Timeouts.require("timeout", timeout);
    return runWith(command, timeout);
  }

  private ExecutionResult runWith(String command, Duration timeout) {
    Objects.requireNonNull(command, "command");
    if (command.isBlank()) {
      throw new IllegalArgumentException("command must not be blank");
    }
    ensureOpen();
    return timeout == null ? sandbox.commands().run(command)
        : sandbox.commands().run(command, timeout);
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
    sandbox.files().write(path, content);
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
    return sandbox.files().read(path);
  }

  /**
   * Lists a directory in the sandbox. Blocks; retried on transient router errors.
   *
   * @param path relative directory path; {@code ""}, {@code "."} or {@code "/"} is the base
   *     directory
   * @return the entries, in the runtime's order
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the path is not a directory
   * @throws SandboxRequestException on another HTTP error, or if an entry of the listing is
   *     invalid (see {@link FileEntry}); the whole listing is rejected then
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if this client is closed
   */
  public List<FileEntry> list(String path) {
    ensureOpen();
    return sandbox.files().list(path);
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
    return sandbox.files().exists(path);
  }

  /**
   * The name of the SandboxClaim this client created.
   *
   * @return {@code sandbox-claim-} followed by eight hex digits
   */
  public String claimName() {
    return sandbox.claimName();
  }

  /**
   * The name of the Sandbox serving the claim, which requests are routed to. Differs from the
   * claim name when the sandbox came from a warm pool.
   *
   * @return the sandbox name from the claim's status
   */
  public String sandboxName() {
    return sandbox.sandboxName();
  }

  /**
   * The namespace of the claim and sandbox.
   *
   * @return the namespace
   */
  public String namespace() {
    return sandbox.namespace();
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
   * The handle of this client's sandbox, for what the tutorial shape leaves out:
   * {@link Sandbox#status()}, {@link Sandbox#podName()}, streamed
   * {@link SandboxFiles#upload(String, java.io.InputStream) uploads} and
   * {@link SandboxFiles#download(String, java.nio.file.Path) downloads}. Closing this client
   * ends the handle too.
   *
   * @return the sandbox handle
   */
  public Sandbox sandbox() {
    return sandbox;
  }

  /**
   * Deletes the claim (the controller then removes the sandbox), closes the tunnel and releases
   * HTTP threads and connections; closes the KubernetesClient only if this client created it.
   * Calls in flight on other threads are cancelled. Idempotent and never throws: a failed
   * deletion is logged at WARN with the command to clean up by hand. Blocks for the delete call.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      fleet.close();
    }
  }

  /** The HTTP client, so tests can check its resources are released. */
  OkHttpClient httpClient() {
    return sandbox.okHttpClient();
  }

  @Override
  public String toString() {
    return "SandboxClient[claim=" + namespace() + "/" + claimName() + ", sandbox="
        + sandboxName() + (closed.get() ? ", closed" : "") + "]";
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("SandboxClient for SandboxClaim '" + claimName()
          + "' in namespace '" + namespace() + "' is closed: build a new one");
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
    private final SandboxFleet.Builder fleet = SandboxFleet.builder();
    private final SandboxOptions.Builder options = SandboxOptions.builder();
    private String templateName;

    private Builder() {
      fleet.terminateOnShutdown(true);
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
      options.templateName(templateName);
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
      fleet.namespace(namespace);
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
      options.labels(labels);
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
      fleet.readyTimeout(readyTimeout);
      return this;
    }

    /**
     * How to reach the sandbox router. Default {@link ConnectionMode#tunnel()}.
     *
     * @param connection the mode
     * @return this builder
     */
    public Builder connection(ConnectionMode connection) {
      fleet.connection(connection);
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
      fleet.kubernetesClient(kubernetesClient);
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
      fleet.connectTimeout(connectTimeout);
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
      fleet.readTimeout(readTimeout);
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
      fleet.runTimeout(runTimeout);
      return this;
    }

    /**
     * The largest response read into memory: each of a command's stdout and stderr, as decoded
     * text (escapes in the JSON answer do not count), and file contents. Default 16 MiB, the
     * runtime's own cap per output stream. Larger responses fail with
     * {@link SandboxResponseTooLargeException}.
     *
     * @param bytes positive, at most {@code Integer.MAX_VALUE - 8}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxResponseSize(long bytes) {
      fleet.maxResponseSize(bytes);
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
      fleet.sandboxPort(port);
      return this;
    }

    /**
     * Where the sandbox may come from; see {@link SandboxOptions.Builder#warmPool(WarmPool)}.
     * Unset by default (the controller adopts from any pool of the template).
     *
     * @param warmPool the policy
     * @return this builder
     */
    public Builder warmPool(WarmPool warmPool) {
      options.warmPool(warmPool);
      return this;
    }

    /**
     * A time to live after which the controller deletes the claim even if this process dies
     * (it sets the claim's {@code spec.lifecycle.shutdownTime}): the backstop for a JVM that is
     * killed before {@link SandboxClient#close()} or its shutdown hook can delete the claim;
     * see {@link SandboxOptions.Builder#ttl(Duration)}. Unset by default.
     *
     * @param ttl positive
     * @return this builder
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder ttl(Duration ttl) {
      options.ttl(ttl);
      return this;
    }

    /**
     * Whether the claim is deleted when the JVM shuts down with this client open
     * ({@code System.exit}, the end of {@code main}, SIGTERM or Ctrl-C). One JVM shutdown hook
     * serves every open client. Best effort: a killed JVM (SIGKILL, the OOM killer, a crash)
     * runs no hooks, so set a {@link #ttl(Duration) ttl} as well; the controller deletes the
     * claim when it passes. Default true; false leaves the claim to its ttl, or to be deleted
     * by hand.
     *
     * @param terminate whether to delete the claim at shutdown
     * @return this builder
     */
    public Builder terminateOnShutdown(boolean terminate) {
      fleet.terminateOnShutdown(terminate);
      return this;
    }

    /**
     * Adds an environment variable for the sandbox; see
     * {@link SandboxOptions.Builder#env(String, String)}.
     *
     * @param name the variable's name
     * @param value its value, never logged
     * @return this builder
     * @throws IllegalArgumentException if the name is invalid or already added
     */
    public Builder env(String name, String value) {
      options.env(name, value);
      return this;
    }

    /**
     * Which SandboxClaim API version to use; see {@link ApiVersion}. Default
     * {@link ApiVersion#AUTO}.
     *
     * @param apiVersion the version
     * @return this builder
     */
    public Builder apiVersion(ApiVersion apiVersion) {
      fleet.apiVersion(apiVersion);
      return this;
    }

    /**
     * Traces the client's operations with OpenTelemetry; see {@link SandboxTracing}.
     *
     * @param tracing the tracing
     * @return this builder
     */
    public Builder tracing(SandboxTracing tracing) {
      fleet.tracing(tracing);
      return this;
    }

    /**
     * Times the client's operations with Micrometer; see {@link SandboxMetrics}.
     *
     * @param metrics the metrics
     * @return this builder
     */
    public Builder metrics(SandboxMetrics metrics) {
      fleet.metrics(metrics);
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
      fleet.retryPolicy(Objects.requireNonNull(retryPolicy, "retryPolicy"));
      return this;
    }

    Builder random(RandomGenerator random) {
      fleet.random(random);
      return this;
    }

    Builder clock(Clock clock) {
      fleet.clock(clock);
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
     * @throws SandboxInterruptedException if the thread is interrupted; the interrupt flag is
     *     set again
     * @throws SandboxException if the claim cannot be created or watched
     */
    public SandboxClient build() {
      if (templateName == null) {
        throw new IllegalStateException("templateName is required: the SandboxTemplate to make "
            + "the sandbox from");
      }
      SandboxOptions sandboxOptions = options.build();
      SandboxFleet sandboxes = fleet.build();
      try {
        return new SandboxClient(sandboxes, (SandboxHandle) sandboxes.create(sandboxOptions),
            templateName);
      } catch (RuntimeException | Error e) {
        sandboxes.close();
        throw e;
      }
    }
  }
}
