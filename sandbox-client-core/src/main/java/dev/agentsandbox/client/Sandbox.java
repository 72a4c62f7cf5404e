package dev.agentsandbox.client;

import java.util.Optional;

/**
 * A handle on one ready sandbox of a {@link SandboxFleet}: run commands, move files, look at
 * its state, and end it. Get one from {@link SandboxFleet#create(SandboxOptions)} or
 * {@link SandboxFleet#attach(String, String)}; a {@link SandboxClient} is one too.
 *
 * <pre>{@code
 * Sandbox sandbox = fleet.create(SandboxOptions.ofTemplate("python-runtime-template"));
 * sandbox.files().write("main.py", "print(6 * 7)");
 * ExecutionResult result = sandbox.commands().run("python3 main.py");
 * sandbox.terminate();
 * }</pre>
 *
 * <p>Thread-safe: several threads may use one handle at once. A handle ends with
 * {@link #terminate()} (the claim is deleted) or {@link #disconnect()} (the claim stays, for
 * another process to {@link SandboxFleet#attach(String, String) attach} to); after either,
 * commands and file operations throw {@link IllegalStateException}, while the name accessors
 * keep working.
 *
 * <p>While a handle is open its fleet watches the claim; when the sandbox's pod is replaced
 * (deleted or evicted, and started again by the controller with a fresh workspace), the next
 * command or file operation throws {@link SandboxRestartedException}, once.
 *
 * @since 0.1.0
 */
public interface Sandbox {

  /**
   * Runs commands in this sandbox.
   *
   * @return the command API; never null
   */
  SandboxCommands commands();

  /**
   * Moves files in and out of this sandbox.
   *
   * @return the file API; never null
   */
  SandboxFiles files();

  /**
   * Reads the Sandbox resource and reports its Ready condition. Blocks for one API call.
   *
   * @return ready, not ready (with reason and message) or not found
   * @throws SandboxException if the API server cannot be asked
   */
  SandboxState status();

  /**
   * The name of the SandboxClaim behind this sandbox.
   *
   * @return the claim name
   */
  String claimName();

  /**
   * The name of the Sandbox serving the claim, to which requests are routed. Differs from the
   * claim name when the sandbox came from a warm pool.
   *
   * @return the sandbox name from the claim's status
   */
  String sandboxName();

  /**
   * The namespace of the claim and sandbox.
   *
   * @return the namespace
   */
  String namespace();

  /**
   * The name of the sandbox's pod: the Sandbox's {@code agents.x-k8s.io/pod-name} annotation,
   * else the sandbox name. Blocks for one API call.
   *
   * @return the pod name
   * @throws SandboxException if the API server cannot be asked
   */
  String podName();

  /**
   * The IP of the sandbox's pod from the Sandbox's status (IPv4 preferred). Blocks for one API
   * call.
   *
   * @return the IP; empty when the pod has none yet, the Sandbox is gone, or the controller
   *     predates {@code podIPs} (before v0.3)
   * @throws SandboxException if the API server cannot be asked
   */
  Optional<String> podIp();

  /**
   * Deletes the claim (the controller then removes sandbox, pod and service) and releases the
   * local resources of this handle. Calls in flight on other threads are cancelled. Idempotent;
   * a claim already gone counts as deleted. Blocks for the delete call.
   *
   * @throws SandboxException if the claim could not be deleted; the handle is released anyway
   */
  void terminate();

  /**
   * Releases the local resources of this handle and keeps the claim, which then outlives this
   * process (give it a {@link SandboxOptions.Builder#ttl(java.time.Duration) ttl}) and can be
   * {@link SandboxFleet#attach(String, String) attached} to again. The fleet forgets the
   * sandbox: neither {@link SandboxFleet#terminateAll()} nor closing the fleet deletes it.
   * Idempotent; never blocks on the network.
   */
  void disconnect();
}
