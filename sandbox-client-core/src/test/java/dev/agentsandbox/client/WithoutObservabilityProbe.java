package dev.agentsandbox.client;

import dev.agentsandbox.client.ReferenceController.Release;
import java.util.concurrent.Callable;

/**
 * Uses the client end to end in a class loader without OpenTelemetry and Micrometer: proves the
 * optional dependencies stay optional.
 */
public final class WithoutObservabilityProbe implements Callable<String> {
  @Override
  public String call() throws Exception {
    try {
      Class.forName("io.opentelemetry.api.OpenTelemetry");
      throw new AssertionError("OpenTelemetry is on the class path");
    } catch (ClassNotFoundException expected) {
      // What this probe is for.
    }
    // Reflection over the always-loaded types must not trip over the optional ones.
    SandboxFleet.Builder.class.getMethods();
    SandboxClient.Builder.class.getMethods();
    SandboxFleet.class.getMethods();
    try (FakeCluster cluster = new FakeCluster(); FakeRouter router = new FakeRouter()) {
      cluster.referenceController(Release.V0_4);
      try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client)
          .connection(router.mode()).build()) {
        Sandbox sandbox = fleet.create(SandboxOptions.ofTemplate(ReferenceController.TEMPLATE));
        String stdout = sandbox.commands().run("id").stdout();
        sandbox.terminate();
        return stdout.substring(0, "default/python-pool-".length());
      }
    }
  }
}
