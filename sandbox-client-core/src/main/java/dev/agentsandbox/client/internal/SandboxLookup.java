package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxState;
import io.fabric8.kubernetes.api.model.Container;
import java.util.List;
import java.util.Optional;

/**
 * What a sandbox handle reads of its Sandbox resource. Each method blocks for one read of the
 * Sandbox; implementations are thread-safe.
 */
public interface SandboxLookup {

  /**
   * The Ready condition of the Sandbox; {@code NOT_FOUND} when it does not exist.
   *
   * @throws dev.agentsandbox.client.SandboxException if the Sandbox cannot be read
   */
  SandboxState status(SandboxRef ref);

  /**
   * The name of the Sandbox's pod: its pod-name annotation, else the Sandbox's name.
   *
   * @throws dev.agentsandbox.client.SandboxException if the Sandbox cannot be read
   */
  String podName(SandboxRef ref);

  /**
   * An IP of the Sandbox's pod, IPv4 first; empty when none is reported.
   *
   * @throws dev.agentsandbox.client.SandboxException if the Sandbox cannot be read
   */
  Optional<String> podIp(SandboxRef ref);

  /**
   * The containers of the Sandbox's pod template; empty when the Sandbox does not exist.
   *
   * @throws dev.agentsandbox.client.SandboxException if the Sandbox cannot be read
   */
  List<Container> containers(SandboxRef ref);
}
