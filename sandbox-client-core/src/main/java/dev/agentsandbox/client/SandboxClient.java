package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.SandboxHandle;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * shared connection. A {@code SandboxClient} is itself a {@link Sandbox}: a fleet of one sandbox
 * whose {@link #close()} ends the fleet too. The shortcuts {@link #run(String)},
 * {@link #write(String, String)}, {@link #read(String)}, {@link #list(String)} and
 * {@link #exists(String)} are {@link #commands()} and {@link #files()} calls and behave exactly
 * like them (contracts, retries and exceptions are documented there).
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
 * <p>Thread-safe; every operation blocks the calling thread and can be interrupted, as
 * {@link SandboxCommands} and {@link SandboxFiles} describe. Failures are unchecked
 * {@link SandboxException}s. After {@link #close()}, {@link #terminate()} or
 * {@link #disconnect()}, commands and file operations throw {@link IllegalStateException}.
 *
 * @since 0.1.0
 */
public final class SandboxClient implements Sandbox, AutoCloseable {
  private final SandboxFleet fleet;
  private final SandboxHandle sandbox;
  private final String templateName;

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
   * Runs a command with the run timeout: {@code commands().run(command)}, see
   * {@link SandboxCommands#run(String)}.
   *
   * @param command the command line, split into words by the runtime (no shell)
   * @return stdout, stderr, exit code and whether it timed out
   */
  public ExecutionResult run(String command) {
    return sandbox.commands().run(command);
  }

  /**
   * Runs a command, allowing it {@code timeout}: {@code commands().run(command, timeout)}, see
   * {@link SandboxCommands#run(String, Duration)}.
   *
   * @param command the command line, split into words by the runtime (no shell)
   * @param timeout positive, at most 24 hours; rounded up to whole seconds
   * @return stdout, stderr, exit code and whether it timed out
   */
  public ExecutionResult run(String command, Duration timeout) {
    return sandbox.commands().run(command, timeout);
  }

  /**
   * Writes a file: {@code files().write(path, content)}, see
   * {@link SandboxFiles#write(String, byte[])}.
   *
   * @param path relative path in the sandbox
   * @param content the bytes to store
   */
  public void write(String path, byte[] content) {
    sandbox.files().write(path, content);
  }

  /**
   * Writes a text file as UTF-8: {@code files().write(path, utf8Content)}, see
   * {@link SandboxFiles#write(String, String)}.
   *
   * @param path relative path in the sandbox
   * @param utf8Content the text to store
   */
  public void write(String path, String utf8Content) {
    sandbox.files().write(path, utf8Content);
  }

  /**
   * Reads a whole file: {@code files().read(path)}, see {@link SandboxFiles#read(String)}.
   *
   * @param path relative path in the sandbox
   * @return the file's bytes
   */
  public byte[] read(String path) {
    return sandbox.files().read(path);
  }

  /**
   * Lists a directory: {@code files().list(path)}, see {@link SandboxFiles#list(String)}.
   *
   * @param path relative directory path; {@code ""} is the base directory
   * @return the entries, in the runtime's order
   */
  public List<FileEntry> list(String path) {
    return sandbox.files().list(path);
  }

  /**
   * Tells whether a path exists: {@code files().exists(path)}, see
   * {@link SandboxFiles#exists(String)}.
   *
   * @param path relative path in the sandbox
   * @return whether it exists
   */
  public boolean exists(String path) {
    return sandbox.files().exists(path);
  }

  @Override
  public SandboxCommands commands() {
    return sandbox.commands();
  }

  @Override
  public SandboxFiles files() {
    return sandbox.files();
  }

  @Override
  public SandboxState status() {
    return sandbox.status();
  }

  /**
   * {@inheritDoc}
   *
   * @return {@code sandbox-claim-} followed by eight hex digits
   */
  @Override
  public String claimName() {
    return sandbox.claimName();
  }

  @Override
  public String sandboxName() {
    return sandbox.sandboxName();
  }

  @Override
  public String namespace() {
    return sandbox.namespace();
  }

  @Override
  public String podName() {
    return sandbox.podName();
  }

  @Override
  public Optional<String> podIp() {
    return sandbox.podIp();
  }

  /**
   * The SandboxTemplate the sandbox was made from.
   *
   * @return the template name given to {@link Builder#templateName(String)}
   */
  public String templateName() {
    return templateName;
  }

  /**
   * Deletes the claim, then releases everything as {@link #close()} does.
   *
   * @throws SandboxException if the claim could not be deleted; the client is closed anyway
   */
  @Override
  public void terminate() {
    try {
      sandbox.terminate();
    } finally {
      fleet.close();
    }
  }

  /**
   * Keeps the claim and releases everything else as {@link #close()} does; see
   * {@link Sandbox#disconnect()}. A {@link SandboxFleet} can attach to the claim later.
   */
  @Override
  public void disconnect() {
    sandbox.disconnect();
    fleet.close();
  }

  /**
   * Deletes the claim (the controller then removes the sandbox), closes the tunnel and releases
   * HTTP threads and connections; closes the KubernetesClient only if this client created it.
   * Calls in flight on other threads are cancelled. Idempotent and never throws: a failed
   * deletion is logged at WARN with the command to clean up by hand. Blocks for the delete call.
   */
  @Override
  public void close() {
    fleet.close();
  }

  OkHttpClient httpClient() {
    return sandbox.okHttpClient();
  }

  @Override
  public String toString() {
    return sandbox.toString();
  }

  /**
   * Configures and creates a {@link SandboxClient}. The connection settings are those of
   * {@link SandboxFleet.Builder} and the sandbox settings those of {@link SandboxOptions.Builder};
   * each method here sets the one it links to, which documents its meaning, range and default.
   * Every setter validates its argument at once and throws {@link IllegalArgumentException} (or
   * {@link NullPointerException} for null), so a misconfiguration never creates anything on the
   * cluster. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final SandboxFleet.Builder fleet = SandboxFleet.builder();
    private final SandboxOptions.Builder options = SandboxOptions.builder();
    private String templateName;

    private Builder() {
      fleet.terminateOnShutdown(true).handleType("SandboxClient");
    }

    /**
     * Required; see {@link SandboxOptions.Builder#templateName(String)}.
     *
     * @param templateName the SandboxTemplate to make the sandbox from
     * @return this builder
     */
    public Builder templateName(String templateName) {
      options.templateName(templateName);
      this.templateName = templateName;
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#namespace(String)}; the claim is created there.
     *
     * @param namespace a DNS-1123 label
     * @return this builder
     */
    public Builder namespace(String namespace) {
      fleet.namespace(namespace);
      return this;
    }

    /**
     * See {@link SandboxOptions.Builder#labels(Map)}.
     *
     * @param labels the claim's labels
     * @return this builder
     */
    public Builder labels(Map<String, String> labels) {
      options.labels(labels);
      return this;
    }

    /**
     * See {@link SandboxOptions.Builder#warmPool(WarmPool)}.
     *
     * @param warmPool where the sandbox may come from
     * @return this builder
     */
    public Builder warmPool(WarmPool warmPool) {
      options.warmPool(warmPool);
      return this;
    }

    /**
     * See {@link SandboxOptions.Builder#ttl(Duration)}: the backstop for a JVM killed before
     * {@link SandboxClient#close()} or its shutdown hook can delete the claim.
     *
     * @param ttl the claim's time to live
     * @return this builder
     */
    public Builder ttl(Duration ttl) {
      options.ttl(ttl);
      return this;
    }

    /**
     * See {@link SandboxOptions.Builder#env(String, String)}.
     *
     * @param name the variable's name
     * @param value its value, never logged
     * @return this builder
     */
    public Builder env(String name, String value) {
      options.env(name, value);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#podExec(boolean)}.
     *
     * @param allowed whether live processes on the legacy runtime may use pods/exec
     * @return this builder
     */
    public Builder podExec(boolean allowed) {
      fleet.podExec(allowed);
      return this;
    }

    /**
     * See {@link SandboxOptions.Builder#runtime(Runtime)}.
     *
     * @param runtime the runtime the sandbox's pod serves; {@link Runtime#AUTO} by default
     * @return this builder
     */
    public Builder runtime(Runtime runtime) {
      options.runtime(runtime);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#readyTimeout(Duration)}; counted from the start of
     * {@link #build()}.
     *
     * @param readyTimeout how long {@link #build()} waits for the sandbox to become ready
     * @return this builder
     */
    public Builder readyTimeout(Duration readyTimeout) {
      fleet.readyTimeout(readyTimeout);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#connection(ConnectionMode)}.
     *
     * @param connection how to reach the sandbox router
     * @return this builder
     */
    public Builder connection(ConnectionMode connection) {
      fleet.connection(connection);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#kubernetesClient(KubernetesClient)}: a client given here
     * is not closed by {@link SandboxClient#close()}.
     *
     * @param kubernetesClient the client
     * @return this builder
     */
    public Builder kubernetesClient(KubernetesClient kubernetesClient) {
      fleet.kubernetesClient(kubernetesClient);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#connectTimeout(Duration)}.
     *
     * @param connectTimeout TCP connect timeout for requests to the router
     * @return this builder
     */
    public Builder connectTimeout(Duration connectTimeout) {
      fleet.connectTimeout(connectTimeout);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#readTimeout(Duration)}.
     *
     * @param readTimeout read timeout for file operations
     * @return this builder
     */
    public Builder readTimeout(Duration readTimeout) {
      fleet.readTimeout(readTimeout);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#runTimeout(Duration)}; applies to {@link #run(String)}.
     *
     * @param runTimeout how long a command may run by default
     * @return this builder
     */
    public Builder runTimeout(Duration runTimeout) {
      fleet.runTimeout(runTimeout);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#maxResponseSize(long)}.
     *
     * @param bytes the largest response read into memory
     * @return this builder
     */
    public Builder maxResponseSize(long bytes) {
      fleet.maxResponseSize(bytes);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#sandboxPort(int)}.
     *
     * @param port the runtime's port inside the sandbox
     * @return this builder
     */
    public Builder sandboxPort(int port) {
      fleet.sandboxPort(port);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#terminateOnShutdown(boolean)}; default true here.
     *
     * @param terminate whether to delete the claim at JVM shutdown
     * @return this builder
     */
    public Builder terminateOnShutdown(boolean terminate) {
      fleet.terminateOnShutdown(terminate);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#apiVersion(ApiVersion)}.
     *
     * @param apiVersion the SandboxClaim API version
     * @return this builder
     */
    public Builder apiVersion(ApiVersion apiVersion) {
      fleet.apiVersion(apiVersion);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#tracing(SandboxTracing)}.
     *
     * @param tracing the tracing
     * @return this builder
     */
    public Builder tracing(SandboxTracing tracing) {
      fleet.tracing(tracing);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#metrics(SandboxMetrics)}.
     *
     * @param metrics the metrics
     * @return this builder
     */
    public Builder metrics(SandboxMetrics metrics) {
      fleet.metrics(metrics);
      return this;
    }

    /**
     * See {@link SandboxFleet.Builder#retryPolicy(RetryPolicy)}.
     *
     * @param retryPolicy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      fleet.retryPolicy(retryPolicy);
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
     * Creates the SandboxClaim, waits until it is ready and connects to the sandbox, as
     * {@link SandboxFleet#create(SandboxOptions)} does (which lists the exceptions). If anything
     * fails after the claim was created, including interruption, the claim is deleted before
     * the exception leaves this method.
     *
     * @return a ready sandbox; close it to delete the claim
     * @throws IllegalStateException if no template name was set
     */
    public SandboxClient build() {
      if (templateName == null) {
        throw new IllegalStateException("templateName is required: the SandboxTemplate to make "
            + "the sandbox from");
      }
      SandboxOptions sandboxOptions = options.build();
      SandboxFleet sandboxes = fleet.build();
      try {
        return new SandboxClient(sandboxes, sandboxes.createHandle(sandboxOptions), templateName);
      } catch (RuntimeException | Error e) {
        sandboxes.close();
        throw e;
      }
    }
  }
}
