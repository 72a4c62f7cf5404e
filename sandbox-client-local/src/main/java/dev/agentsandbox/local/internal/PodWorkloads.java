package dev.agentsandbox.local.internal;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;

/** Starts what a local pod runs in place of its container image. */
@FunctionalInterface
public interface PodWorkloads {

  /**
   * Starts the pod's workload listening on {@code address:port}; blocks until it listens.
   *
   * @param pod the pod as created
   * @param address the pod's own loopback address
   * @param port the container port
   * @param baseDir a private, empty, writable directory for the pod
   * @param log where the workload writes what its container would write to stdout
   * @return a handle that stops the workload and everything it started
   * @throws RuntimeException when the workload cannot start; the pod then fails
   */
  AutoCloseable start(Pod pod, String address, int port, Path baseDir, PodLog log);
}
