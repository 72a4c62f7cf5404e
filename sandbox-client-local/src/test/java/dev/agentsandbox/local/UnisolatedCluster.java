package dev.agentsandbox.local;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.runtime.IsolationPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * An embedded cluster whose commands run unconfined (so their pids are the host's), with the
 * templates of test resources applied, and a client of one of them; for the live-process tests.
 */
final class UnisolatedCluster implements AutoCloseable {
  final LocalSandboxCluster cluster;
  final SandboxClient sandbox;

  /**
   * Starts the cluster, applies {@code /<template>.yaml} and claims a sandbox of it.
   *
   * @param podExec whether the client may run live processes through pods/exec
   */
  UnisolatedCluster(String template, boolean podExec) {
    cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
    try (InputStream yaml = UnisolatedCluster.class.getResourceAsStream("/" + template + ".yaml")) {
      cluster.apply(yaml);
      sandbox = client(template).podExec(podExec).build();
    } catch (IOException e) {
      cluster.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** A builder of a client of {@code template} in namespace {@code default}, through the tunnel. */
  SandboxClient.Builder client(String template) {
    return SandboxClient.builder().kubernetesClient(cluster.client()).templateName(template)
        .namespace("default").connection(cluster.tunnel());
  }

  @Override
  public void close() {
    try {
      sandbox.close();
    } finally {
      cluster.close();
    }
  }
}
