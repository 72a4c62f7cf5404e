package dev.agentsandbox.runtime;

import dev.agentsandbox.model.internal.RouterProtocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Configuration of a {@link SandboxRuntimeServer}. Build one with {@link #builder()}; only the
 * base directory is required.
 *
 * @param host address to listen on; default {@code 127.0.0.1}
 * @param port port to listen on, {@code 0} for an ephemeral one; default {@code 8888}
 * @param baseDir directory that commands run in and file operations are confined to; created if
 *     missing
 * @param execTimeout how long a command may run before it is killed with its whole process tree;
 *     default 300 seconds
 * @param maxOutputBytes how much stdout, and separately stderr, a command may produce before it
 *     is killed; default 16 MiB
 * @param isolation how commands are confined; default {@link CommandIsolation#none()}
 * @param environment the complete environment of commands (nothing else is inherited); default
 *     {@link #defaultEnvironment(Path)}
 * @param launcher the process that starts commands, or null (the default) to start them from
 *     this JVM; see {@link CommandLauncher}
 * @param accessToken a secret every request must present as {@code Authorization: Bearer
 *     <token>}, or null (the default) to serve everyone who can connect, as the reference
 *     runtime does; requests without it get {@code 401}. Never logged.
 * @param fileTimeout how long finding and opening a file or directory for a file request (and
 *     listing a directory) may take, waiting for a free file thread included, before the request
 *     is answered with {@code 503}; such a step blocks only when a command swaps a FIFO in for
 *     the file while it is opened. Default 30 seconds
 * @param bodyIdleTimeout how long a request body may pause before the request is answered with
 *     {@code 408} and its connection closed (an unfinished upload is deleted); a request whose
 *     body is complete, such as a long-running {@code /execute}, is never cut. Default 60
 *     seconds
 * @param accessLog told one line for each request answered, as a container's access log on
 *     stdout reads ({@code 127.0.0.1:43210 - "POST /execute HTTP/1.1" 200}: never a query, a
 *     header or a body), or null (the default) for none
 * @param sandboxdGrpcPort the port of sandboxd's gRPC process API ({@code process.v1}), {@code 0}
 *     for an ephemeral one, or {@code -1} (the default) not to serve it; sandboxd's own is
 *     {@value #SANDBOXD_GRPC_PORT}
 * @param sandboxdRestPort the port of sandboxd's REST API (files, health, metadata), {@code 0}
 *     for an ephemeral one, or {@code -1} (the default) not to serve it; sandboxd's own is
 *     {@value #SANDBOXD_REST_PORT}
 * @since 0.1.0
 */
public record RuntimeOptions(
    String host,
    int port,
    Path baseDir,
    Duration execTimeout,
    long maxOutputBytes,
    CommandIsolation isolation,
    Map<String, String> environment,
    CommandLauncher launcher,
    String accessToken,
    Duration fileTimeout,
    Duration bodyIdleTimeout,
    Consumer<String> accessLog,
    int sandboxdGrpcPort,
    int sandboxdRestPort) {

  /** Default listen address: loopback only. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The port of the reference runtime image. */
  public static final int DEFAULT_PORT = RouterProtocol.RUNTIME_PORT;
  /** The port sandboxd serves its gRPC process API on. */
  public static final int SANDBOXD_GRPC_PORT = 9090;
  /** The port sandboxd serves its REST API on. */
  public static final int SANDBOXD_REST_PORT = 8080;
  /** Default command timeout, as in the reference runtime. */
  public static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(300);
  /** Default cap on each of stdout and stderr, matching the client's response cap. */
  public static final long DEFAULT_MAX_OUTPUT_BYTES = 16L * 1024 * 1024;
  /** Default bound on finding and opening the file of a file request. */
  public static final Duration DEFAULT_FILE_TIMEOUT = Duration.ofSeconds(30);
  /** Default bound on a pause within a request body. */
  public static final Duration DEFAULT_BODY_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Validates and normalises the options.
   *
   * @throws NullPointerException if any component is null
   * @throws IllegalArgumentException if the port is out of range or a timeout or the output
   *     limit is not positive
   */
  public RuntimeOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(baseDir, "baseDir");
    Objects.requireNonNull(execTimeout, "execTimeout");
    Objects.requireNonNull(isolation, "isolation");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(fileTimeout, "fileTimeout");
    Objects.requireNonNull(bodyIdleTimeout, "bodyIdleTimeout");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
    if (sandboxdGrpcPort < -1 || sandboxdGrpcPort > 65535) {
      throw new IllegalArgumentException("sandboxdGrpcPort must be -1 (off) or between 0 and 65535: "
          + sandboxdGrpcPort);
    }
    if (sandboxdRestPort < -1 || sandboxdRestPort > 65535) {
      throw new IllegalArgumentException("sandboxdRestPort must be -1 (off) or between 0 and 65535: "
          + sandboxdRestPort);
    }
    if (execTimeout.isZero() || execTimeout.isNegative()) {
      throw new IllegalArgumentException("execTimeout must be positive: " + execTimeout);
    }
    if (fileTimeout.toMillis() <= 0) {
      throw new IllegalArgumentException("fileTimeout must be at least 1 ms: " + fileTimeout);
    }
    if (bodyIdleTimeout.toMillis() <= 0) {
      throw new IllegalArgumentException("bodyIdleTimeout must be at least 1 ms: "
          + bodyIdleTimeout);
    }
    if (maxOutputBytes <= 0) {
      throw new IllegalArgumentException("maxOutputBytes must be positive: " + maxOutputBytes);
    }
    if (accessToken != null && (accessToken.isBlank() || !accessToken.chars()
        .allMatch(c -> c > 0x20 && c < 0x7f))) {
      throw new IllegalArgumentException("accessToken must be non-empty printable ASCII without "
          + "spaces");
    }
    baseDir = baseDir.toAbsolutePath().normalize();
    environment = Map.copyOf(environment);
  }

  /**
   * The environment commands get unless configured otherwise: the host's {@code PATH},
   * {@code HOME} set to the base directory and {@code LANG=C.UTF-8}. Nothing else leaks from the
   * JVM's environment (credentials in particular).
   */
  public static Map<String, String> defaultEnvironment(Path baseDir) {
    Map<String, String> env = new LinkedHashMap<>();
    String path = System.getenv("PATH");
    env.put("PATH", path != null ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", baseDir.toAbsolutePath().normalize().toString());
    env.put("LANG", "C.UTF-8");
    return env;
  }

  /** Like the generated one, but with the access token masked. */
  @Override
  public String toString() {
    return "RuntimeOptions[host=" + host + ", port=" + port + ", baseDir=" + baseDir
        + ", execTimeout=" + execTimeout + ", maxOutputBytes=" + maxOutputBytes + ", isolation="
        + isolation + ", environment=" + environment.keySet() + ", launcher=" + launcher
        + ", accessToken=" + (accessToken == null ? "none" : "***") + ", fileTimeout="
        + fileTimeout + ", bodyIdleTimeout=" + bodyIdleTimeout + ", accessLog="
        + (accessLog == null ? "none" : "on") + ", sandboxdGrpcPort=" + sandboxdGrpcPort
        + ", sandboxdRestPort=" + sandboxdRestPort + "]";
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with these options. */
  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .baseDir(baseDir)
        .execTimeout(execTimeout)
        .maxOutputBytes(maxOutputBytes)
        .isolation(isolation)
        .environment(environment)
        .launcher(launcher)
        .accessToken(accessToken)
        .fileTimeout(fileTimeout)
        .bodyIdleTimeout(bodyIdleTimeout)
        .accessLog(accessLog)
        .sandboxd(sandboxdGrpcPort, sandboxdRestPort);
  }

  /** Builds {@link RuntimeOptions}. Not thread-safe. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private Path baseDir;
    private Duration execTimeout = DEFAULT_EXEC_TIMEOUT;
    private long maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES;
    private CommandIsolation isolation = CommandIsolation.none();
    private Map<String, String> environment;
    private CommandLauncher launcher;
    private String accessToken;
    private Duration fileTimeout = DEFAULT_FILE_TIMEOUT;
    private Duration bodyIdleTimeout = DEFAULT_BODY_IDLE_TIMEOUT;
    private Consumer<String> accessLog;
    private int sandboxdGrpcPort = -1;
    private int sandboxdRestPort = -1;
    private final Map<String, String> extraEnvironment = new LinkedHashMap<>();

    private Builder() {
    }

    /** Address to listen on, e.g. {@code 127.0.5.7}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port to listen on; {@code 0} picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The sandbox's working directory; required. */
    public Builder baseDir(Path baseDir) {
      this.baseDir = baseDir;
      return this;
    }

    /** How long a command may run. */
    public Builder execTimeout(Duration execTimeout) {
      this.execTimeout = execTimeout;
      return this;
    }

    /** Cap on each output stream of a command, in bytes. */
    public Builder maxOutputBytes(long maxOutputBytes) {
      this.maxOutputBytes = maxOutputBytes;
      return this;
    }

    /** How commands are confined. */
    public Builder isolation(CommandIsolation isolation) {
      this.isolation = isolation;
      return this;
    }

    /**
     * Starts commands through {@code launcher} instead of from this JVM; null restores the
     * default. The launcher is shared, not owned: closing the runtime leaves it running.
     */
    public Builder launcher(CommandLauncher launcher) {
      this.launcher = launcher;
      return this;
    }

    /**
     * Requires every request to carry {@code Authorization: Bearer <token>}; null (the default)
     * serves everyone who can connect. See {@link RuntimeOptions#accessToken()}.
     */
    public Builder accessToken(String token) {
      this.accessToken = token;
      return this;
    }

    /** Bound on finding and opening a file for a request; see {@link RuntimeOptions}. */
    public Builder fileTimeout(Duration fileTimeout) {
      this.fileTimeout = fileTimeout;
      return this;
    }

    /** Bound on a pause within a request body; see {@link RuntimeOptions}. */
    public Builder bodyIdleTimeout(Duration bodyIdleTimeout) {
      this.bodyIdleTimeout = bodyIdleTimeout;
      return this;
    }

    /** Where to write the access log, one line per request answered; see {@link RuntimeOptions}. */
    public Builder accessLog(Consumer<String> accessLog) {
      this.accessLog = accessLog;
      return this;
    }

    /**
     * Also serves sandboxd's APIs on the runtime's host: gRPC processes on {@code grpcPort}, REST
     * files on {@code restPort}; {@code -1} leaves one out, {@code 0} picks a free port.
     */
    public Builder sandboxd(int grpcPort, int restPort) {
      this.sandboxdGrpcPort = grpcPort;
      this.sandboxdRestPort = restPort;
      return this;
    }

    /** Replaces the whole environment of commands, including variables put so far. */
    public Builder environment(Map<String, String> environment) {
      this.environment = new LinkedHashMap<>(environment);
      extraEnvironment.clear();
      return this;
    }

    /** Adds or overrides one variable on top of the configured (or default) environment. */
    public Builder putEnvironment(String name, String value) {
      extraEnvironment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalStateException if no base directory was set
     * @throws IllegalArgumentException if a value is out of range
     */
    public RuntimeOptions build() {
      if (baseDir == null) {
        throw new IllegalStateException("baseDir is required");
      }
      Map<String, String> env = new LinkedHashMap<>(
          environment != null ? environment : defaultEnvironment(baseDir));
      env.putAll(extraEnvironment);
      return new RuntimeOptions(host, port, baseDir, execTimeout, maxOutputBytes, isolation, env,
          launcher, accessToken, fileTimeout, bodyIdleTimeout, accessLog, sandboxdGrpcPort,
          sandboxdRestPort);
    }
  }
}
