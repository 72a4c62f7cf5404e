package dev.agentsandbox.testing.internal;

import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.runtime.IsolationPolicy;
import dev.agentsandbox.testing.Isolation;
import dev.agentsandbox.testing.SandboxTest;
import java.time.Duration;

/**
 * The options of {@link SandboxTest} that shape a cluster: equal settings may share one cluster.
 */
public record ClusterSettings(Isolation isolation, boolean commandLauncher, boolean controller,
    boolean runtimeAuthentication, boolean apiServerTls, Duration execTimeout) {

  /** The settings an annotation asks for. */
  public static ClusterSettings of(SandboxTest test) {
    return new ClusterSettings(test.isolation(), test.commandLauncher(), test.controller(),
        test.runtimeAuthentication(), test.apiServerTls(), Duration.ofSeconds(test.execTimeoutSeconds()));
  }

  /** Starts a cluster with these settings; blocks until it is ready. */
  public LocalSandboxCluster start() {
    return LocalSandboxCluster.builder()
        .isolation(policy(isolation))
        .commandLauncher(commandLauncher)
        .controller(controller)
        .runtimeAuthentication(runtimeAuthentication)
        .apiServerTls(apiServerTls)
        .execTimeout(execTimeout)
        .start();
  }

  private static IsolationPolicy policy(Isolation isolation) {
    return switch (isolation) {
      case AUTO -> IsolationPolicy.AUTO;
      case REQUIRED -> IsolationPolicy.REQUIRED;
      case NONE -> IsolationPolicy.NONE;
    };
  }
}
