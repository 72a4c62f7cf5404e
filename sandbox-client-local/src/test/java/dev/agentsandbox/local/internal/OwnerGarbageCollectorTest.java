package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.local.Awaits;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cascading deletion of the local cluster: background, foreground and orphan. */
class OwnerGarbageCollectorTest {
  private static final String HOLD = "test.agents.x-k8s.io/hold";

  private LocalApiServer api;
  private KubernetesClient client;
  private OwnerGarbageCollector gc;

  @BeforeEach
  void start() {
    api = LocalApiServer.start((ns, pod) -> Optional.empty());
    client = api.newClient();
    gc = OwnerGarbageCollector.start(client, api);
  }

  @AfterEach
  void stop() {
    gc.close();
    client.close();
    api.close();
  }

  @Test
  void foregroundDeletionKeepsTheOwnerUntilItsBlockingDependentsAreGone() {
    SandboxClaim claim = client.resource(claim("fg")).create();
    Sandbox sandbox = client.resource(ownedBy(sandbox("fg"), claim)).create();
    // The pod cannot go until the test lets it, so the chain of waiting owners can be observed.
    Pod pod = ownedBy(pod("fg"), sandbox);
    pod.getMetadata().setFinalizers(List.of(HOLD));
    client.resource(pod).create();

    client.resource(claim).withPropagationPolicy(DeletionPropagation.FOREGROUND)
        .delete();

    Pod terminating = await(client.pods().withName("fg"), p -> p != null && p.isMarkedForDeletion());
    assertTrue(terminating.getMetadata().getFinalizers().contains(HOLD));
    Sandbox waitingSandbox = await(client.resources(Sandbox.class).withName("fg"), s -> s != null && s.isMarkedForDeletion());
    assertTrue(waitingSandbox.getMetadata().getFinalizers().contains("foregroundDeletion"));
    SandboxClaim waitingClaim = client.resources(SandboxClaim.class).withName("fg").get();
    assertNotNull(waitingClaim, "the claim waits for its Sandbox");
    assertNotNull(waitingClaim.getMetadata().getDeletionTimestamp());
    assertEquals(List.of("foregroundDeletion"), waitingClaim.getMetadata().getFinalizers());

    client.pods().withName("fg").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");

    await(client.pods().withName("fg"), p -> p == null);
    await(client.resources(Sandbox.class).withName("fg"), s -> s == null);
    await(client.resources(SandboxClaim.class).withName("fg"), c -> c == null);
  }

  @Test
  void backgroundDeletionRemovesTheOwnerAtOnceAndThenItsDependents() {
    SandboxClaim claim = client.resource(claim("bg")).create();
    Sandbox sandbox = client.resource(ownedBy(sandbox("bg"), claim)).create();
    client.resource(ownedBy(pod("bg"), sandbox)).create();

    client.resource(claim).withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();

    await(client.resources(SandboxClaim.class).withName("bg"), c -> c == null);
    await(client.resources(Sandbox.class).withName("bg"), s -> s == null);
    await(client.pods().withName("bg"), p -> p == null);
  }

  @Test
  void orphanDeletionLeavesTheDependentsWithoutTheOwnerReference() {
    SandboxClaim claim = client.resource(claim("orphan")).create();
    client.resource(ownedBy(sandbox("orphan"), claim)).create();

    client.resource(claim).withPropagationPolicy(DeletionPropagation.ORPHAN).delete();

    await(client.resources(SandboxClaim.class).withName("orphan"), c -> c == null);
    Sandbox orphan = await(client.resources(Sandbox.class).withName("orphan"),
        s -> s != null && s.getMetadata().getOwnerReferences().isEmpty());
    assertEquals(null, orphan.getMetadata().getDeletionTimestamp());
  }

  private static SandboxClaim claim(String name) {
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.getMetadata().setNamespace("default");
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("template")));
    return claim;
  }

  private static Sandbox sandbox(String name) {
    Sandbox sandbox = new Sandbox();
    sandbox.getMetadata().setName(name);
    sandbox.getMetadata().setNamespace("default");
    SandboxSpec spec = new SandboxSpec();
    spec.setPodTemplate(new PodTemplateSpecBuilder().withNewSpec()
        .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
    sandbox.setSpec(spec);
    return sandbox;
  }

  private static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
  }

  private static <T extends HasMetadata> T ownedBy(T dependent, HasMetadata owner) {
    dependent.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build()));
    return dependent;
  }

  /** Waits, up to 10 s, for the object's state (null when absent) to satisfy {@code condition}. */
  private static <T extends HasMetadata> T await(Resource<T> resource, Predicate<T> condition) {
    return Awaits.state(resource, condition, Duration.ofSeconds(10));
  }
}
