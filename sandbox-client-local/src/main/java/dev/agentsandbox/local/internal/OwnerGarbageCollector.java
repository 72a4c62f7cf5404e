package dev.agentsandbox.local.internal;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background cascading deletion by ownerReferences, which a real cluster's garbage collector
 * does and the CRUD mock does not: an object all of whose owners are gone is deleted, so
 * deleting a claim removes its Sandbox, and that in turn its Pod, Service and PVCs.
 */
public final class OwnerGarbageCollector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerGarbageCollector.class);

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
        informer.getStore().list().forEach(gc::checkOwners);
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
      }
    }

    @Override
    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
      if (synced) {
        checkOwners(newObj);
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
