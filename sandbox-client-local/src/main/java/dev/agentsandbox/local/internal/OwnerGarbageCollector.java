package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cascading deletion by ownerReferences, which a real cluster's garbage collector does and the
 * CRUD mock does not.
 *
 * <ul>
 *   <li>Background: an object all of whose owners are gone is deleted, so deleting a claim
 *       removes its Sandbox, and that in turn its Pod, Service and PVCs.
 *   <li>Foreground: an owner being deleted with the {@code foregroundDeletion} finalizer (see
 *       {@link LocalApiDispatcher}) has its dependents deleted, those with
 *       {@code blockOwnerDeletion} in the foreground too, and loses the finalizer (so it goes)
 *       once no blocking dependent is left.
 *   <li>Orphan: an owner with the {@code orphan} finalizer is removed from its dependents'
 *       ownerReferences, then loses the finalizer.
 * </ul>
 *
 * <p>It learns of every stored change from the local API server itself (an owner graph of
 * uids, ownerReferences and finalizers), as the writes happen and in their order, rather than
 * from watches: no event is serialized, sent or read for it, and an owner is always known
 * before the dependents created after it. Deletions and patches go through the API like any
 * client's, from one thread.
 */
public final class OwnerGarbageCollector implements LocalApiDispatcher.StoreListener, AutoCloseable {
  /** The propagation policy that keeps the owner until its blocking dependents are gone. */
  static final String FOREGROUND_POLICY = "Foreground";
  /** The propagation policy that leaves the dependents in place. */
  static final String ORPHAN_POLICY = "Orphan";
  static final String FOREGROUND_FINALIZER = "foregroundDeletion";
  static final String ORPHAN_FINALIZER = "orphan";
  private static final Logger LOG = LoggerFactory.getLogger(OwnerGarbageCollector.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What the collector keeps of a stored object. */
  private record Node(String apiVersion, String kind, String namespace, String name, String uid,
      List<OwnerReference> owners, List<String> finalizers, boolean deleting) {

    static Node of(GenericKubernetesResource object) {
      var meta = object.getMetadata();
      return new Node(object.getApiVersion(), object.getKind(), meta.getNamespace(), meta.getName(), meta.getUid(),
          List.copyOf(meta.getOwnerReferences()), List.copyOf(meta.getFinalizers()),
          meta.getDeletionTimestamp() != null);
    }

    String describe() {
      return kind + " " + (namespace == null ? "" : namespace + "/") + name;
    }
  }

  private final KubernetesClient client;
  private final LocalApiServer api;
  /** The uid stored under each key of the API server's store. */
  private final Map<AttributeSet, String> uidByKey = new ConcurrentHashMap<>();
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  /** Owner uid to the uids of the objects that name it in their ownerReferences. */
  private final Map<String, Set<String>> dependents = new ConcurrentHashMap<>();
  private final ExecutorService deleter = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "local-garbage-collector");
    t.setDaemon(true);
    return t;
  });

  private OwnerGarbageCollector(KubernetesClient client, LocalApiServer api) {
    this.client = client;
    this.api = api;
  }

  /**
   * Starts collecting in {@code api}, deleting through {@code client}; the objects stored
   * already are taken in first, and those whose owners are all gone are queued for deletion.
   */
  public static OwnerGarbageCollector start(KubernetesClient client, LocalApiServer api) {
    OwnerGarbageCollector gc = new OwnerGarbageCollector(client, api);
    api.addStoreListener(gc);
    return gc;
  }

  /** Called by the API server for each stored change, under its write lock: bookkeeping only. */
  @Override
  public void changed(AttributeSet oldKey, AttributeSet newKey, GenericKubernetesResource object) {
    String oldUid = oldKey == null ? null : uidByKey.remove(oldKey);
    Node node = object == null || object.getMetadata() == null || object.getMetadata().getUid() == null
        ? null
        : Node.of(object);
    if (oldUid != null && (node == null || !oldUid.equals(node.uid()))) {
      Node gone = nodes.remove(oldUid);
      if (gone != null) {
        unlink(gone);
        removed(gone);
      }
    }
    if (node == null) {
      return;
    }
    uidByKey.put(newKey, node.uid());
    Node previous = nodes.put(node.uid(), node);
    if (previous == null || !previous.owners().equals(node.owners())) {
      if (previous != null) {
        unlink(previous);
      }
      for (OwnerReference ref : node.owners()) {
        dependents.computeIfAbsent(ref.getUid(), k -> ConcurrentHashMap.newKeySet()).add(node.uid());
      }
    }
    checkOwners(node);
    checkDeleting(node);
  }

  private void unlink(Node node) {
    for (OwnerReference ref : node.owners()) {
      dependents.computeIfPresent(ref.getUid(), (k, set) -> {
        set.remove(node.uid());
        return set.isEmpty() ? null : set;
      });
    }
  }

  /** The dependents of a removed object may be orphans now; an owner waiting for it may go. */
  private void removed(Node gone) {
    for (String dependent : dependents.getOrDefault(gone.uid(), Set.of())) {
      Node node = nodes.get(dependent);
      if (node != null) {
        checkOwners(node);
      }
    }
    for (OwnerReference ref : gone.owners()) {
      Node owner = nodes.get(ref.getUid());
      if (owner != null) {
        checkDeleting(owner);
      }
    }
  }

  /** Queues the deletion of an object that has owners, none of which exists any more. */
  private void checkOwners(Node node) {
    if (orphaned(node)) {
      deleter.execute(() -> collectIfOrphaned(node.uid()));
    }
  }

  private boolean orphaned(Node node) {
    return !node.owners().isEmpty() && node.owners().stream().noneMatch(ref -> nodes.containsKey(ref.getUid()));
  }

  /** Queues the foreground or orphan work of an object that is being deleted with such a finalizer. */
  private void checkDeleting(Node node) {
    if (node.deleting()
        && (node.finalizers().contains(FOREGROUND_FINALIZER) || node.finalizers().contains(ORPHAN_FINALIZER))) {
      deleter.execute(() -> finishDeletion(node.uid()));
    }
  }

  private void collectIfOrphaned(String uid) {
    Node node = nodes.get(uid);
    // Checked again: an owner or the ownerReferences may have changed since it was queued.
    if (node == null || !orphaned(node)) {
      return;
    }
    LOG.debug("Deleting {}: its owners are gone", node.describe());
    try {
      resource(node).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("Garbage collection of {} failed: {}", node.describe(), e.getMessage());
    }
  }

  private void finishDeletion(String uid) {
    Node owner = nodes.get(uid);
    if (owner == null || !owner.deleting()) {
      return;
    }
    try {
      if (owner.finalizers().contains(ORPHAN_FINALIZER)) {
        for (Node dependent : dependentsOf(uid)) {
          List<OwnerReference> kept = new ArrayList<>(dependent.owners());
          kept.removeIf(r -> uid.equals(r.getUid()));
          patchMetadata(dependent, "ownerReferences", kept);
        }
        removeFinalizer(owner, ORPHAN_FINALIZER);
      } else if (owner.finalizers().contains(FOREGROUND_FINALIZER)) {
        boolean blocked = false;
        for (Node dependent : dependentsOf(uid)) {
          boolean blocking = dependent.owners().stream()
              .anyMatch(r -> uid.equals(r.getUid()) && Boolean.TRUE.equals(r.getBlockOwnerDeletion()));
          blocked |= blocking;
          if (!dependent.deleting()) {
            LOG.debug("Deleting {}: its owner is deleted in the foreground", dependent.describe());
            resource(dependent).withPropagationPolicy(blocking ? DeletionPropagation.FOREGROUND : DeletionPropagation.BACKGROUND)
                .delete();
          }
        }
        if (!blocked) {
          removeFinalizer(owner, FOREGROUND_FINALIZER);
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warn("Deletion of {} failed: {}", owner.describe(), e.getMessage());
    }
  }

  private List<Node> dependentsOf(String uid) {
    List<Node> found = new ArrayList<>();
    for (String dependent : dependents.getOrDefault(uid, Set.of())) {
      Node node = nodes.get(dependent);
      if (node != null) {
        found.add(node);
      }
    }
    return found;
  }

  private void removeFinalizer(Node node, String finalizer) {
    List<String> kept = new ArrayList<>(node.finalizers());
    kept.remove(finalizer);
    // Without finalizers left, the API server removes the object that carries a deletionTimestamp.
    patchMetadata(node, "finalizers", kept.isEmpty() ? null : kept);
  }

  private void patchMetadata(Node node, String field, Object value) {
    ObjectNode patch = MAPPER.createObjectNode();
    patch.putObject("metadata").set(field, MAPPER.valueToTree(value));
    // A name-only stand-in: with withName(...) alone, fabric8 would read the object first.
    GenericKubernetesResource target = new GenericKubernetesResource();
    target.setApiVersion(node.apiVersion());
    target.setKind(node.kind());
    target.setMetadata(new ObjectMetaBuilder().withName(node.name()).withNamespace(node.namespace()).build());
    try {
      kind(node).resource(target).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> kind(Node node) {
    var all = client.genericKubernetesResources(node.apiVersion(), node.kind());
    return node.namespace() == null ? all : all.inNamespace(node.namespace());
  }

  private Resource<GenericKubernetesResource> resource(Node node) {
    return kind(node).withName(node.name());
  }

  @Override
  public void close() {
    api.removeStoreListener(this);
    deleter.shutdownNow();
  }
}
