package dev.agentsandbox.controller;

import static dev.agentsandbox.controller.ClusterFixtures.await;
import static dev.agentsandbox.controller.ClusterFixtures.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two controllers against one API server, competing for the reference Lease. */
class LeaderElectionTest {
  private static final String LEASE_NAMESPACE = "agent-sandbox-system";

  private MockCluster cluster;
  private KubernetesClient clientA;
  private KubernetesClient clientB;

  @BeforeEach
  void startCluster() {
    cluster = new MockCluster();
    // The Operator SDK checks its Lease permissions before electing; a real API server answers
    // from RBAC, the mock with this.
    cluster.server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder()
            .withNewStatus()
            .withIncomplete(false)
            .withResourceRules(new ResourceRuleBuilder()
                .withApiGroups("coordination.k8s.io").withResources("leases")
                .withVerbs("create", "get", "list", "watch", "update", "patch")
                .build())
            .endStatus()
            .build())
        .always();
    clientA = cluster.server.createClient();
    clientB = cluster.server.createClient();
  }

  @AfterEach
  void stopCluster() {
    clientA.close();
    clientB.close();
    cluster.close();
  }

  @Test
  void X5_onlyTheLeaseHolderReconcilesAndTheOtherTakesOverWhenItStops() {
    SimpleMeterRegistry metricsA = new SimpleMeterRegistry();
    SimpleMeterRegistry metricsB = new SimpleMeterRegistry();
    SandboxController b;
    try (SandboxController a = SandboxController.start(clientA, options("controller-a", metricsA))) {
      awaitTrue("controller-a holds the Lease", a::isLeader);
      b = SandboxController.start(clientB, options("controller-b", metricsB));
      try {
        assertTrue(b.isReady(), "a replica that does not lead still syncs its caches");
        assertFalse(b.isLeader());
        assertEquals("controller-a", lease().getSpec().getHolderIdentity());

        ClusterFixtures.sandbox(cluster.client, "team", "first");
        await(cluster.client, Pod.class, "team", "first", p -> true);
        await(cluster.client, Sandbox.class, "team", "first", s -> s.getStatus() != null);
        assertTrue(reconciles(metricsA) > 0);
        assertEquals(0, reconciles(metricsB), "only the Lease holder reconciles");

        a.close();
        assertNull(lease().getSpec().getHolderIdentity(), "closing releases the Lease");
        awaitTrue("controller-b takes over", b::isLeader);
        ClusterFixtures.sandbox(cluster.client, "team", "second");
        await(cluster.client, Pod.class, "team", "second", p -> true);
        assertTrue(reconciles(metricsB) > 0);
        assertTrue(b.isHealthy());
      } finally {
        b.close();
      }
    }
    assertTrue(b.terminated().isDone());
    assertFalse(b.isReady());
    assertNull(lease().getSpec().getHolderIdentity());
  }

  @Test
  void X5_leaderElectionWithoutANamespaceIsRefusedWithTheFlagToSet() {
    KubernetesClient noNamespace = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(Config.empty())
            .withMasterUrl(clientA.getMasterUrl().toString()).build())
        .build();
    try (noNamespace) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SandboxController.start(
          noNamespace, ControllerOptions.builder().leaderElection(LeaderElection.defaults()).build()));
      assertTrue(e.getMessage().contains("--leader-election-namespace"), e.getMessage());
    }
  }

  private static ControllerOptions options(String identity, SimpleMeterRegistry metrics) {
    return ControllerOptions.builder()
        .extensions(false)
        .meterRegistry(metrics)
        .leaderElection(LeaderElection.defaults()
            .withNamespace(LEASE_NAMESPACE)
            .withIdentity(identity)
            .withTimings(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(100)))
        .build();
  }

  private Lease lease() {
    return cluster.client.leases().inNamespace(LEASE_NAMESPACE).withName(LeaderElection.DEFAULT_LEASE_NAME).get();
  }

  private static double reconciles(SimpleMeterRegistry metrics) {
    return metrics.find("operator.sdk.reconciliations.started").counters().stream()
        .mapToDouble(Counter::count).sum();
  }
}
