package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The warm Sandboxes claims may adopt, in the order they became adoptable (spec C7): one FIFO
 * queue per namespace and template-name hash, fed by the claim controller's Sandbox informer.
 * A name is queued at most once. Entries are hints: whoever takes one re-checks the Sandbox and
 * relies on an optimistic-locking write to own it. Thread safe.
 *
 * <p>Unlike the reference, queues are per namespace, so deleting a template drops only its own
 * namespace's queue and no Sandbox of another namespace has to be skipped and re-queued.
 */
final class WarmSandboxQueue {
  private static final String POOL_KIND = HasMetadata.getKind(SandboxWarmPool.class);

  private final Map<Key, LinkedHashSet<String>> queues = new ConcurrentHashMap<>();

  private record Key(String namespace, String templateHash) {
  }

  /**
   * C7: whether a claim may adopt {@code sandbox}: not terminating, labelled with a pool and a
   * template hash, and controlled by a warm pool or by nothing.
   */
  static boolean adoptable(Sandbox sandbox) {
    if (sandbox.isMarkedForDeletion()) {
      return false;
    }
    Map<String, String> labels = SandboxPods.orEmpty(sandbox.getMetadata().getLabels());
    if (isBlank(labels.get(SandboxKeys.WARM_POOL_SANDBOX)) || isBlank(labels.get(SandboxKeys.TEMPLATE_REF_HASH))) {
      return false;
    }
    return ControllerReferences.controllerOf(sandbox)
        .map(ref -> POOL_KIND.equals(ref.getKind()))
        .orElse(true);
  }

  /** Queues {@code sandbox} at the tail if it is adoptable and not queued yet. */
  void offer(Sandbox sandbox) {
    if (!adoptable(sandbox)) {
      return;
    }
    String hash = sandbox.getMetadata().getLabels().get(SandboxKeys.TEMPLATE_REF_HASH);
    add(new Key(sandbox.getMetadata().getNamespace(), hash), sandbox.getMetadata().getName());
  }

  /** Puts a name taken by {@link #poll} back at the tail. */
  void requeue(String namespace, String templateHash, String name) {
    add(new Key(namespace, templateHash), name);
  }

  private void add(Key key, String name) {
    LinkedHashSet<String> queue = queues.computeIfAbsent(key, k -> new LinkedHashSet<>());
    synchronized (queue) {
      queue.add(name);
    }
  }

  /** Takes the oldest queued name for the template, if any. */
  Optional<String> poll(String namespace, String templateName) {
    LinkedHashSet<String> queue = queues.get(new Key(namespace, NameHash.of(templateName)));
    if (queue == null) {
      return Optional.empty();
    }
    synchronized (queue) {
      Iterator<String> it = queue.iterator();
      if (!it.hasNext()) {
        return Optional.empty();
      }
      String name = it.next();
      it.remove();
      return Optional.of(name);
    }
  }

  /** Forgets the queue of a template that was deleted. */
  void drop(String namespace, String templateName) {
    queues.remove(new Key(namespace, NameHash.of(templateName)));
  }

  /** How many names are queued for the template. */
  int size(String namespace, String templateName) {
    LinkedHashSet<String> queue = queues.get(new Key(namespace, NameHash.of(templateName)));
    if (queue == null) {
      return 0;
    }
    synchronized (queue) {
      return queue.size();
    }
  }

  private static boolean isBlank(String value) {
    return value == null || value.isEmpty();
  }
}
