package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WarmSandboxQueueTest {
  private final WarmSandboxQueue queue = new WarmSandboxQueue();

  @Test
  void C7_sandboxesAreTakenInTheOrderTheyBecameAdoptableAndQueuedOnce() {
    queue.offer(warm("a", "python", null));
    queue.offer(warm("b", "python", null));
    queue.offer(warm("a", "python", null));
    queue.offer(warm("c", "other", null));

    assertEquals(Optional.of("a"), queue.poll("ns", "python"));
    assertEquals(Optional.of("b"), queue.poll("ns", "python"));
    assertEquals(Optional.empty(), queue.poll("ns", "python"));
    assertEquals(Optional.empty(), queue.poll("elsewhere", "other"));
    assertEquals(Optional.of("c"), queue.poll("ns", "other"));
  }

  @Test
  void C7_onlySandboxesOfAPoolOrOfNoControllerAndNotTerminatingAreAdoptable() {
    assertTrue(WarmSandboxQueue.adoptable(warm("a", "python", "SandboxWarmPool")));
    assertTrue(WarmSandboxQueue.adoptable(warm("a", "python", null)));
    assertFalse(WarmSandboxQueue.adoptable(warm("a", "python", "SandboxClaim")));
    Sandbox terminating = warm("a", "python", null);
    terminating.getMetadata().setDeletionTimestamp("2024-01-01T00:00:00Z");
    assertFalse(WarmSandboxQueue.adoptable(terminating));
    Sandbox unlabelled = warm("a", "python", null);
    unlabelled.getMetadata().getLabels().remove(SandboxKeys.WARM_POOL_SANDBOX);
    assertFalse(WarmSandboxQueue.adoptable(unlabelled));

    queue.offer(warm("taken", "python", "SandboxClaim"));
    assertEquals(0, queue.size("ns", "python"));
  }

  @Test
  void C7_deletingATemplateDropsItsQueue() {
    queue.offer(warm("a", "python", null));
    queue.offer(warm("b", "other", null));

    queue.drop("ns", "python");

    assertEquals(0, queue.size("ns", "python"));
    assertEquals(1, queue.size("ns", "other"));
  }

  private static Sandbox warm(String name, String template, String controllerKind) {
    Sandbox sandbox = new Sandbox();
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name).withNamespace("ns")
        .addToLabels(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of("pool"))
        .addToLabels(SandboxKeys.TEMPLATE_REF_HASH, NameHash.of(template));
    if (controllerKind != null) {
      meta.addToOwnerReferences(new OwnerReferenceBuilder().withKind(controllerKind).withName("owner")
          .withUid("uid").withController(true).build());
    }
    sandbox.setMetadata(meta.build());
    return sandbox;
  }
}
