package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.testing.ClusterAwaits;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deployments run in the embedded cluster: ReplicaSets, pods, status, scaling, rollouts and cascading deletion. */
@SandboxTest
class WorkloadsEndToEndTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static KubernetesClient client;

  private static Deployment deployment(String image, int replicas) {
    return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage(image).addNewPort().withContainerPort(8888)
        .endPort().endContainer().endSpec().endTemplate().endSpec().build();
  }

  /** Waits until exactly {@code count} pods of the Deployment run, all of {@code image}. */
  private static List<Pod> pods(int count, String image) {
    return ClusterAwaits.items(client.pods().inNamespace("default").withLabel("app", "web"),
        pods -> pods.size() == count && pods.stream().allMatch(p -> p.getMetadata().getDeletionTimestamp() == null
            && image.equals(p.getSpec().getContainers().get(0).getImage())
            && "Running".equals(p.getStatus() == null ? null : p.getStatus().getPhase())), TIMEOUT);
  }

  @Test
  void aDeploymentRunsScalesRollsOutAndIsDeletedWithItsPods() {
    RollableScalableResource<Deployment> web = client.apps().deployments().inNamespace("default").withName("web");
    client.resource(deployment("web:1", 2)).create();

    Deployment ready = ClusterAwaits.state(web, d -> d != null && d.getStatus() != null
        && Integer.valueOf(2).equals(d.getStatus().getAvailableReplicas()), TIMEOUT);
    assertEquals(ready.getMetadata().getGeneration(), ready.getStatus().getObservedGeneration());
    List<Pod> first = pods(2, "web:1");
    String hash = first.get(0).getMetadata().getLabels().get("pod-template-hash");
    assertTrue(first.get(0).getMetadata().getName().startsWith("web-" + hash + "-"), first.get(0).getMetadata().getName());

    web.scale(1);
    pods(1, "web:1");

    // A patch, as kubectl sends: an update could meet the controller's status write (409).
    client.resource(deployment("web:2", 1)).patch(PatchContext.of(PatchType.STRATEGIC_MERGE));
    ClusterAwaits.items(client.apps().replicaSets().inNamespace("default").withLabel("app", "web"),
        sets -> sets.size() == 2 && sets.stream().anyMatch(rs -> Integer.valueOf(0).equals(rs.getSpec().getReplicas())),
        TIMEOUT);
    Pod rolled = pods(1, "web:2").get(0);
    assertTrue(rolled.getMetadata().getName().startsWith("web-"), rolled.getMetadata().getName());

    web.delete();
    ClusterAwaits.items(client.pods().inNamespace("default").withLabel("app", "web"), List::isEmpty, TIMEOUT);
    List<ReplicaSet> left = ClusterAwaits.items(client.apps().replicaSets().inNamespace("default")
        .withLabel("app", "web"), List::isEmpty, TIMEOUT);
    assertTrue(left.isEmpty());
  }
}
