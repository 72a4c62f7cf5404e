package dev.agentsandbox.local.internal;

import java.util.Optional;
import java.util.OptionalInt;

/** Where a running pod of the local cluster can be reached, and its log. */
public interface PodAddressBook {

  /**
   * The loopback address of a running pod.
   *
   * @return empty when the pod is unknown or not running
   */
  Optional<String> addressOf(String namespace, String podName);

  /**
   * The access token that the workload on {@code address} requires as a bearer token; see
   * {@link RuntimeTokens}.
   *
   * @return empty when it requires none (the router), or nothing runs there
   */
  default Optional<String> accessTokenOf(String address) {
    return Optional.empty();
  }

  /**
   * The port of the process API ({@code process.v1}, gRPC) of the runtime on {@code address},
   * through which exec runs commands live.
   *
   * @return empty when nothing there serves it (the router)
   */
  default OptionalInt processPortOf(String address) {
    return OptionalInt.empty();
  }

  /**
   * The log of a pod's container.
   *
   * @return empty when the pod is unknown here
   */
  default Optional<PodLog> logOf(String namespace, String podName) {
    return Optional.empty();
  }
}
