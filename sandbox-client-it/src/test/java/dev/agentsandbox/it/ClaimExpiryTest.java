package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.testing.ClusterAwaits;
import dev.agentsandbox.testing.Isolation;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Claim expiry and suspension on the embedded cluster, garbage collector and pod runner included. */
@SandboxTest(isolation = Isolation.NONE)
@SandboxTemplate(resource = "expiring-template.yaml")
class ClaimExpiryTest {
  /** Far enough ahead for the Sandbox and its pod to be created first. */
  private static final Duration LIFETIME = Duration.ofSeconds(3);
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private static KubernetesClient client;

  @Test
  void expiredDeleteClaimDisappearsWithItsSandboxAndPod() {
    createClaim("expire-delete", Lifecycle.POLICY_DELETE);
    await(client.pods().withName("expire-delete"), p -> p != null);

    await(client.resources(SandboxClaim.class).withName("expire-delete"), c -> c == null);
    await(client.resources(Sandbox.class).withName("expire-delete"), s -> s == null);
    await(client.pods().withName("expire-delete"), p -> p == null);
  }

  @Test
  void expiredDeleteForegroundClaimGoesOnlyAfterItsSandboxAndPod() {
    createClaim("expire-foreground", Lifecycle.POLICY_DELETE_FOREGROUND);
    await(client.pods().withName("expire-foreground"), p -> p != null);

    await(client.resources(SandboxClaim.class).withName("expire-foreground"), c -> c == null);
    assertNull(client.resources(Sandbox.class).withName("expire-foreground").get());
    assertNull(client.pods().withName("expire-foreground").get());
  }

  @Test
  void expiredRetainClaimStaysAsClaimExpiredWithoutSandboxAndPod() {
    createClaim("expire-retain", Lifecycle.POLICY_RETAIN);
    await(client.pods().withName("expire-retain"), p -> p != null);

    await(client.resources(Sandbox.class).withName("expire-retain"), s -> s == null);
    await(client.pods().withName("expire-retain"), p -> p == null);
    SandboxClaim claim = await(client.resources(SandboxClaim.class).withName("expire-retain"),
        c -> c != null && c.getStatus() != null && c.getStatus().sandbox() == null
            && c.getStatus().condition(SandboxKeys.CONDITION_READY).map(Condition::getReason)
                .orElse("").equals("ClaimExpired"));
    Condition ready = claim.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("Claim expired. Sandbox cleanup initiated.", ready.getMessage());
    assertNull(claim.getMetadata().getDeletionTimestamp());
  }

  @Test
  void podWithAPersistentVolumeClaimRunsAndSuspendingItsSandboxStopsTheRuntime() {
    Sandbox sandbox = new Sandbox();
    sandbox.getMetadata().setName("sleeper");
    sandbox.setSpec(new SandboxSpec());
    sandbox.getSpec().setPodTemplate(new PodTemplateSpecBuilder()
        .withNewSpec().addNewContainer().withName("runtime").withImage("runtime").addNewPort()
        .withContainerPort(8888).endPort().endContainer().endSpec().build());
    PersistentVolumeClaimTemplate vct = new PersistentVolumeClaimTemplate();
    vct.setMetadata(new ObjectMetaBuilder().withName("data").build());
    vct.setSpec(new PersistentVolumeClaimSpecBuilder().withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().build());
    sandbox.getSpec().setVolumeClaimTemplates(List.of(vct));
    client.resource(sandbox).create();
    Pod running = await(client.pods().withName("sleeper"),
        p -> p != null && p.getStatus() != null && p.getStatus().getPodIP() != null);
    assertEquals("data-sleeper", running.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
    assertNotNull(client.persistentVolumeClaims().withName("data-sleeper").get());
    String ip = running.getStatus().getPodIP();
    assertEquals(true, accepts(ip), "the runtime listens while the pod runs");

    client.resources(Sandbox.class).withName("sleeper")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":0}}");

    await(client.pods().withName("sleeper"), p -> p == null);
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (accepts(ip)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the runtime of the deleted pod still listens on " + ip);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private static boolean accepts(String ip) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(ip, 8888), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void createClaim(String name, String policy) {
    Lifecycle lifecycle = new Lifecycle(
        Instant.now().plus(LIFETIME).truncatedTo(ChronoUnit.SECONDS).toString(), policy, null);
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef("expiring"), null, lifecycle, null, null);
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.setSpec(spec);
    client.resource(claim).create();
  }

  /** Waits for the object's state (null when absent) to satisfy {@code condition}. */
  private static <T extends HasMetadata> T await(Resource<T> resource, Predicate<T> condition) {
    return ClusterAwaits.state(resource, condition, DEADLINE);
  }
}
