package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The pod ports sandboxd serves on: REST (files) and gRPC (processes).
 *
 * @param rest the REST port, 8080 unless the pod says otherwise
 * @param grpc the gRPC port, 9090 unless the pod says otherwise
 */
public record SandboxdPorts(int rest, int grpc) {
  /** sandboxd's own ports. */
  public static final SandboxdPorts DEFAULT = new SandboxdPorts(8080, 9090);
  static final String GRPC_ADDRESS = "SANDBOXD_GRPC_ADDR";
  static final String REST_ADDRESS = "SANDBOXD_REST_ADDR";

  /**
   * sandboxd's ports if the pod runs it: a container declares both default ports, or one sets
   * {@code SANDBOXD_GRPC_ADDR} or {@code SANDBOXD_REST_ADDR} (whose ports then count); empty for
   * a pod of the legacy runtime.
   */
  public static Optional<SandboxdPorts> detect(List<Container> containers) {
    for (Container container : containers) {
      int rest = -1;
      int grpc = -1;
      for (EnvVar variable : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
        if (GRPC_ADDRESS.equals(variable.getName())) {
          grpc = portOf(variable.getValue(), DEFAULT.grpc());
        } else if (REST_ADDRESS.equals(variable.getName())) {
          rest = portOf(variable.getValue(), DEFAULT.rest());
        }
      }
      if (rest > 0 || grpc > 0) {
        return Optional.of(new SandboxdPorts(rest > 0 ? rest : DEFAULT.rest(), grpc > 0 ? grpc : DEFAULT.grpc()));
      }
    }
    for (Container container : containers) {
      Set<Integer> ports = container.getPorts() == null ? Set.of() : container.getPorts().stream()
          .map(ContainerPort::getContainerPort).collect(Collectors.toSet());
      if (ports.contains(DEFAULT.rest()) && ports.contains(DEFAULT.grpc())) {
        return Optional.of(DEFAULT);
      }
    }
    return Optional.empty();
  }

  /** The port of {@code host:port}, or {@code fallback} if it has none that parses. */
  private static int portOf(String address, int fallback) {
    if (address == null) {
      return fallback;
    }
    int colon = address.lastIndexOf(':');
    try {
      int port = Integer.parseInt(address.substring(colon + 1).trim());
      return port > 0 && port < 65536 ? port : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
