package dev.agentsandbox.client;

/**
 * Which API the sandbox's pod serves, and so how the client runs commands and moves files in it.
 *
 * <p>Both runtimes run {@link SandboxCommands#run commands} and move {@link SandboxFiles files}.
 * Live processes ({@link SandboxCommands#start}) are sandboxd's; on the legacy runtime they go
 * through the Kubernetes {@code pods/exec} API when {@link SandboxFleet.Builder#podExec(boolean)}
 * allows it.
 *
 * <table>
 *   <caption>Connection modes each runtime supports</caption>
 *   <tr><th>Runtime</th><th>Tunnel</th><th>Gateway</th><th>Direct</th><th>In cluster</th></tr>
 *   <tr><td>{@link #LEGACY}</td><td>yes (to the router)</td><td>yes</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link #SANDBOXD}</td><td>yes (to the sandbox pod)</td><td>no</td><td>no</td><td>yes</td></tr>
 * </table>
 *
 * <p>Named like the reference's runtime option; in code that also uses
 * {@link java.lang.Runtime}, refer to this one by its full name.
 *
 * @since 0.1.0
 */
public enum Runtime {
  /**
   * The runtime image of the reference tutorial ({@code python-runtime}): {@code /execute},
   * {@code /upload}, {@code /download}, {@code /list} and {@code /exists} on port 8888, reached
   * through the sandbox router or directly.
   */
  LEGACY,

  /**
   * sandboxd, the reference's standard runtime: a gRPC process API on port 9090 and a REST file
   * API on port 8080, reached by a port-forward to the sandbox pod itself (or the pod's IP in the
   * cluster); the router is not involved.
   */
  SANDBOXD,

  /**
   * Decided per sandbox from its pod template: {@link #SANDBOXD} when a container declares both
   * sandboxd ports (8080 and 9090) or sets {@code SANDBOXD_GRPC_ADDR} or
   * {@code SANDBOXD_REST_ADDR}, {@link #LEGACY} otherwise.
   */
  AUTO
}
