package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 */
public final class OwnerGarbageCollector implements AutoCloseable {
  /** The propagation policy that keeps the owner until its blocking dependents are gone. */
  static final String FOREGROUND_POLICY = "Foreground";
  /** The propagation policy that leaves the dependents in place. */
  static final String ORPHAN_POLICY = "Orphan";
  static final String FOREGROUND_FINALIZER = "foregroundDeletion";
  static final String ORPHAN_FINALIZER = "orphan";
  private static final Logger LOG = LoggerFactory.getLogger(OwnerGarbageCollector.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The kinds the agent-sandbox controllers create or own, as apiVersion and kind. */
  private static final List<String[]> KINDS = List.of(
      new String[] {"v1", "Pod"},
      new String[] {"v1", "Service"},
      new String[] {"v1", "PersistentVolumeClaim"},
      new String[] {"networking.k8s.io/v1", "NetworkPolicy"},
      new String[] {"agents.x-k8s.io/v1alpha1", "Sandbox"},
      new String[] {"extensions.agents.x-k8s.io/v1alpha1", "SandboxClaim"},
      new String[] {"extensions.agents.x-k8s.io/v1alpha1", "SandboxTemplate"},
      new String[] {"extensions.agents.x-k8s.io/v1alpha1", "SandboxWarmPool"});

  private final KubernetesClient client;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new CopyOnWriteArrayList<>();
  /** UIDs of every object of a watched kind that currently exists. */
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  private final ExecutorService deleter = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "local-garbage-collector");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean synced;

  private OwnerGarbageCollector(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Starts watching; blocks until every watch has listed its kind, then queues the orphans
   * found.
   */
  public static OwnerGarbageCollector start(KubernetesClient client) {
    OwnerGarbageCollector gc = new OwnerGarbageCollector(client);
    try {
      for (String[] kind : KINDS) {
        gc.informers.add(client.genericKubernetesResources(kind[0], kind[1]).inAnyNamespace()
            .inform(gc.new Handler(), 0));
      }
      gc.synced = true;
      for (SharedIndexInformer<GenericKubernetesResource> informer : gc.informers) {
        informer.getStore().list().forEach(obj -> {
          gc.checkOwners(obj);
          gc.checkDeleting(obj);
        });
      }
      return gc;
    } catch (RuntimeException e) {
      gc.close();
      throw new IllegalStateException("Cannot start the local garbage collector: " + e.getMessage(), e);
    }
  }

  private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    @Override
    public void onAdd(GenericKubernetesResource obj) {
      live.add(obj.getMetadata().getUid());
      if (synced) {
        checkOwners(obj);
        checkDeleting(obj);
      }
    }

    @Override
    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
      if (synced) {
        checkOwners(newObj);
        checkDeleting(newObj);
      }
    }

    @Override
    public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
      String uid = obj.getMetadata().getUid();
      live.remove(uid);
      // Few objects live in a local cluster: scanning the caches is cheaper than an index.
      for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
        for (GenericKubernetesResource candidate : informer.getStore().list()) {
          if (candidate.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid()))) {
            checkOwners(candidate);
          }
        }
      }
      // An owner waiting in the foreground for this dependent may go now.
      for (OwnerReference ref : obj.getMetadata().getOwnerReferences()) {
        find(ref.getUid()).ifPresent(OwnerGarbageCollector.this::checkDeleting);
      }
    }
  }

  private Optional<GenericKubernetesResource> find(String uid) {
    for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
      for (GenericKubernetesResource candidate : informer.getStore().list()) {
        if (uid.equals(candidate.getMetadata().getUid())) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private List<GenericKubernetesResource> dependentsOf(String uid) {
    List<GenericKubernetesResource> dependents = new ArrayList<>();
    for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
      for (GenericKubernetesResource candidate : informer.getStore().list()) {
        if (candidate.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid()))) {
          dependents.add(candidate);
        }
      }
    }
    return dependents;
  }

  /** Queues the foreground or orphan work of an object that is being deleted with such a finalizer. */
  private void checkDeleting(GenericKubernetesResource obj) {
    List<String> finalizers = obj.getMetadata().getFinalizers();
    if (obj.getMetadata().getDeletionTimestamp() != null
        && (finalizers.contains(FOREGROUND_FINALIZER) || finalizers.contains(ORPHAN_FINALIZER))) {
      deleter.execute(() -> finishDeletion(obj));
    }
  }

  private void finishDeletion(GenericKubernetesResource owner) {
    String ns = owner.getMetadata().getNamespace();
    String uid = owner.getMetadata().getUid();
    try {
      GenericKubernetesResource current = client.genericKubernetesResources(owner.getApiVersion(), owner.getKind())
          .inNamespace(ns).withName(owner.getMetadata().getName()).get();
      if (current == null || !uid.equals(current.getMetadata().getUid())) {
        return;
      }
      List<String> finalizers = current.getMetadata().getFinalizers();
      if (finalizers.contains(ORPHAN_FINALIZER)) {
        for (GenericKubernetesResource dependent : dependentsOf(uid)) {
          List<OwnerReference> kept = new ArrayList<>(dependent.getMetadata().getOwnerReferences());
          kept.removeIf(r -> uid.equals(r.getUid()));
          patchMetadata(dependent, "ownerReferences", kept);
        }
        removeFinalizer(current, ORPHAN_FINALIZER);
      } else if (finalizers.contains(FOREGROUND_FINALIZER)) {
        boolean blocked = false;
        for (GenericKubernetesResource dependent : dependentsOf(uid)) {
          boolean blocking = dependent.getMetadata().getOwnerReferences().stream()
              .anyMatch(r -> uid.equals(r.getUid()) && Boolean.TRUE.equals(r.getBlockOwnerDeletion()));
          blocked |= blocking;
          if (dependent.getMetadata().getDeletionTimestamp() == null) {
            LOG.debug("Deleting {} {}/{}: its owner is deleted in the foreground", dependent.getKind(), ns,
                dependent.getMetadata().getName());
            client.genericKubernetesResources(dependent.getApiVersion(), dependent.getKind()).inNamespace(ns)
                .withName(dependent.getMetadata().getName())
                .withPropagationPolicy(blocking ? DeletionPropagation.FOREGROUND : DeletionPropagation.BACKGROUND)
                .delete();
          }
        }
        if (!blocked) {
          removeFinalizer(current, FOREGROUND_FINALIZER);
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warn("Deletion of {} {}/{} failed: {}", owner.getKind(), ns, owner.getMetadata().getName(), e.getMessage());
    }
  }

  private void removeFinalizer(GenericKubernetesResource obj, String finalizer) {
    List<String> kept = new ArrayList<>(obj.getMetadata().getFinalizers());
    kept.remove(finalizer);
    // Without finalizers left, the API server removes the object that carries a deletionTimestamp.
    patchMetadata(obj, "finalizers", kept.isEmpty() ? null : kept);
  }

  private void patchMetadata(GenericKubernetesResource obj, String field, Object value) {
    ObjectNode patch = MAPPER.createObjectNode();
    patch.putObject("metadata").set(field, MAPPER.valueToTree(value));
    try {
      // A name-only stand-in: with withName(...) alone, fabric8 would read the object first.
      GenericKubernetesResource target = new GenericKubernetesResource();
      target.setApiVersion(obj.getApiVersion());
      target.setKind(obj.getKind());
      target.setMetadata(new ObjectMetaBuilder().withName(obj.getMetadata().getName())
          .withNamespace(obj.getMetadata().getNamespace()).build());
      client.genericKubernetesResources(obj.getApiVersion(), obj.getKind())
          .inNamespace(obj.getMetadata().getNamespace()).resource(target)
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** Deletes {@code obj} when it has owners and none of them exists any more. */
  private void checkOwners(GenericKubernetesResource obj) {
    List<OwnerReference> owners = obj.getMetadata().getOwnerReferences();
    if (owners.isEmpty() || owners.stream().anyMatch(ref -> live.contains(ref.getUid()))) {
      return;
    }
    deleter.execute(() -> collectIfOrphaned(obj));
  }

  private void collectIfOrphaned(GenericKubernetesResource obj) {
    String ns = obj.getMetadata().getNamespace();
    try {
      // An owner created just before its dependent may not have reached our watch yet:
      // ask the API before deleting anything.
      for (OwnerReference ref : obj.getMetadata().getOwnerReferences()) {
        GenericKubernetesResource owner = client.genericKubernetesResources(ref.getApiVersion(), ref.getKind())
            .inNamespace(ns).withName(ref.getName()).get();
        if (owner != null && ref.getUid().equals(owner.getMetadata().getUid())) {
          return;
        }
      }
      LOG.debug("Deleting {} {}/{}: its owners are gone", obj.getKind(), ns, obj.getMetadata().getName());
      client.genericKubernetesResources(obj.getApiVersion(), obj.getKind()).inNamespace(ns)
          .withName(obj.getMetadata().getName()).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("Garbage collection of {} {}/{} failed: {}", obj.getKind(), ns, obj.getMetadata().getName(),
          e.getMessage());
    }
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    deleter.shutdownNow();
  }
}
