package dev.agentsandbox.local.internal;

import dev.agentsandbox.model.internal.NameHash;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded cluster's Deployment and ReplicaSet controllers, as kube-controller-manager runs
 * them in outline: a Deployment owns one ReplicaSet per pod template (named after the template's
 * hash, labelled {@code pod-template-hash}); the current one is scaled to the Deployment's
 * replicas and older ones to zero; a ReplicaSet keeps as many pods of its template as it asks
 * for. Both report their status ({@code replicas}, {@code readyReplicas},
 * {@code availableReplicas}, {@code updatedReplicas}, {@code observedGeneration} and the
 * {@code Available} and {@code Progressing} conditions), so that {@code kubectl rollout status}
 * and {@code kubectl get deploy} read what they read on a cluster. Deleting an owner deletes what
 * it owns through the {@link OwnerGarbageCollector}. Rollouts replace all pods at once (no
 * surge or unavailability budget) and keep every old ReplicaSet.
 */
public final class WorkloadController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadController.class);
  private static final String TEMPLATE_HASH = "pod-template-hash";
  private static final String REVISION = "deployment.kubernetes.io/revision";

  private final KubernetesClient client;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "local-workloads");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> pending = new LinkedHashSet<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<ReplicaSet> replicaSets;
  private SharedIndexInformer<Pod> pods;
  private volatile boolean closed;

  private WorkloadController(KubernetesClient client) {
    this.client = client;
  }

  /** Starts watching Deployments, ReplicaSets and pods in every namespace. */
  public static WorkloadController start(KubernetesClient client) {
    WorkloadController controller = new WorkloadController(client);
    try {
      controller.pods = controller.watch(client.pods().inAnyNamespace().runnableInformer(0), controller::podChanged);
      controller.replicaSets = controller.watch(client.apps().replicaSets().inAnyNamespace().runnableInformer(0),
          rs -> {
            controller.enqueue("rs/" + key(rs));
            controller.ownerOf(rs, "Deployment").ifPresent(owner -> controller.enqueue("deploy/"
                + rs.getMetadata().getNamespace() + "/" + owner));
          });
      controller.deployments = controller.watch(client.apps().deployments().inAnyNamespace().runnableInformer(0),
          d -> controller.enqueue("deploy/" + key(d)));
      return controller;
    } catch (RuntimeException e) {
      controller.close();
      throw e;
    }
  }

  private <T extends HasMetadata> SharedIndexInformer<T> watch(SharedIndexInformer<T> informer, Consumer<T> changed) {
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        changed.accept(object);
      }

      @Override
      public void onUpdate(T oldObject, T newObject) {
        changed.accept(newObject);
      }

      @Override
      public void onDelete(T object, boolean deletedFinalStateUnknown) {
        changed.accept(object);
      }
    });
    informers.add(informer);
    informer.run();
    return informer;
  }

  private void podChanged(Pod pod) {
    ownerOf(pod, "ReplicaSet").ifPresent(owner -> enqueue("rs/" + pod.getMetadata().getNamespace() + "/" + owner));
  }

  private Optional<String> ownerOf(HasMetadata object, String kind) {
    return object.getMetadata().getOwnerReferences().stream()
        .filter(ref -> Boolean.TRUE.equals(ref.getController()) && kind.equals(ref.getKind()))
        .map(OwnerReference::getName).findFirst();
  }

  private void enqueue(String key) {
    synchronized (pending) {
      if (closed || !pending.add(key)) {
        return;
      }
    }
    worker.execute(() -> {
      synchronized (pending) {
        pending.remove(key);
      }
      try {
        String[] parts = key.split("/", 3);
        if (parts[0].equals("deploy")) {
          reconcileDeployment(parts[1], parts[2]);
        } else {
          reconcileReplicaSet(parts[1], parts[2]);
        }
      } catch (KubernetesClientException e) {
        if (!closed && e.getCode() != 404 && e.getCode() != 409) {
          LOG.warn("Cannot reconcile {}: {}", key, e.getMessage());
        }
        if (e.getCode() == 409 && !closed) {
          enqueue(key); // changed meanwhile: read the cache again
        }
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.warn("Cannot reconcile {}: {}", key, e.toString());
        }
      }
    });
  }

  private static String key(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  private void reconcileDeployment(String namespace, String name) {
    Deployment deployment = deployments.getIndexer().getByKey(namespace + "/" + name);
    if (deployment == null || deployment.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    String hash = NameHash.of(client.getKubernetesSerialization().asJson(deployment.getSpec().getTemplate()));
    String currentName = name + "-" + hash;
    List<ReplicaSet> owned = owned(replicaSets.getIndexer().byIndex("namespace", namespace), deployment);
    ReplicaSet current = owned.stream().filter(rs -> rs.getMetadata().getName().equals(currentName)).findFirst()
        .orElse(null);
    if (current == null) {
      int revision = owned.stream().mapToInt(WorkloadController::revision).max().orElse(0) + 1;
      current = client.apps().replicaSets().inNamespace(namespace).resource(newReplicaSet(deployment, currentName,
          hash, desired, revision)).create();
    } else if (!Objects.equals(current.getSpec().getReplicas(), desired)) {
      scale(namespace, currentName, desired);
    }
    for (ReplicaSet old : owned) {
      if (!old.getMetadata().getName().equals(currentName) && old.getSpec().getReplicas() != null
          && old.getSpec().getReplicas() > 0) {
        scale(namespace, old.getMetadata().getName(), 0);
      }
    }
    DeploymentStatus status = deploymentStatus(deployment, desired, current, owned);
    if (!status.equals(deployment.getStatus())) {
      client.apps().deployments().inNamespace(namespace).withName(name).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), client.getKubernetesSerialization()
              .asJson(Map.of("status", status)));
    }
  }

  private static int revision(ReplicaSet rs) {
    String revision = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(REVISION);
    try {
      return revision == null ? 0 : Integer.parseInt(revision);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void scale(String namespace, String name, int replicas) {
    client.apps().replicaSets().inNamespace(namespace).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  private static ReplicaSet newReplicaSet(Deployment deployment, String name, String hash, int replicas,
      int revision) {
    PodTemplateSpec template = new PodTemplateSpecBuilder(deployment.getSpec().getTemplate())
        .editOrNewMetadata().addToLabels(TEMPLATE_HASH, hash).endMetadata().build();
    LabelSelector selector = new LabelSelectorBuilder(deployment.getSpec().getSelector())
        .addToMatchLabels(TEMPLATE_HASH, hash).build();
    Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels());
    return new ReplicaSetBuilder()
        .withNewMetadata().withName(name).withNamespace(deployment.getMetadata().getNamespace())
        .withLabels(labels).addToAnnotations(REVISION, String.valueOf(revision))
        .withOwnerReferences(controllerReference(deployment)).endMetadata()
        .withNewSpec().withReplicas(replicas).withSelector(selector).withTemplate(template).endSpec()
        .build();
  }

  private static OwnerReference controllerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build();
  }

  private static <T extends HasMetadata> List<T> owned(List<T> candidates, HasMetadata owner) {
    List<T> owned = new ArrayList<>();
    for (T candidate : candidates) {
      if (candidate.getMetadata().getOwnerReferences().stream().anyMatch(ref -> Boolean.TRUE.equals(ref.getController())
          && owner.getMetadata().getUid().equals(ref.getUid()))) {
        owned.add(candidate);
      }
    }
    return owned;
  }

  private static DeploymentStatus deploymentStatus(Deployment deployment, int desired, ReplicaSet current,
      List<ReplicaSet> owned) {
    int replicas = 0;
    int ready = 0;
    int available = 0;
    for (ReplicaSet rs : owned) {
      ReplicaSetStatus status = rs.getStatus();
      if (status != null) {
        replicas += value(status.getReplicas());
        ready += value(status.getReadyReplicas());
        available += value(status.getAvailableReplicas());
      }
    }
    int updated = current.getStatus() == null ? 0 : value(current.getStatus().getReplicas());
    boolean complete = updated == desired && replicas == desired && available == desired;
    DeploymentStatus old = deployment.getStatus();
    List<DeploymentCondition> conditions = List.of(
        condition(old, "Available", available >= desired ? "True" : "False",
            available >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            available >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
        condition(old, "Progressing", "True", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
            "ReplicaSet \"" + current.getMetadata().getName() + "\" " + (complete ? "has successfully progressed."
                : "is progressing.")));
    return new DeploymentStatusBuilder().withObservedGeneration(deployment.getMetadata().getGeneration())
        .withReplicas(replicas).withUpdatedReplicas(updated).withReadyReplicas(ready).withAvailableReplicas(available)
        .withUnavailableReplicas(Math.max(0, desired - available)).withConditions(conditions).build();
  }

  /** A condition, keeping its transition time when its status did not change. */
  private static DeploymentCondition condition(DeploymentStatus old, String type, String status, String reason,
      String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String transition = now;
    String update = now;
    if (old != null && old.getConditions() != null) {
      for (DeploymentCondition previous : old.getConditions()) {
        if (type.equals(previous.getType()) && status.equals(previous.getStatus())) {
          transition = previous.getLastTransitionTime();
          if (reason.equals(previous.getReason())) {
            update = previous.getLastUpdateTime();
          }
        }
      }
    }
    return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason)
        .withMessage(message).withLastTransitionTime(transition).withLastUpdateTime(update).build();
  }

  private static int value(Integer count) {
    return count == null ? 0 : count;
  }

  private void reconcileReplicaSet(String namespace, String name) {
    ReplicaSet rs = replicaSets.getIndexer().getByKey(namespace + "/" + name);
    if (rs == null || rs.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    int desired = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    List<Pod> owned = owned(pods.getIndexer().byIndex("namespace", namespace), rs).stream()
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null).toList();
    if (owned.size() < desired) {
      for (int i = owned.size(); i < desired; i++) {
        client.pods().inNamespace(namespace).resource(new PodBuilder()
            .withMetadata(new ObjectMetaBuilder(rs.getSpec().getTemplate().getMetadata())
                .withName(null).withGenerateName(name + "-").withNamespace(namespace)
                .withOwnerReferences(controllerReference(rs)).build())
            .withSpec(rs.getSpec().getTemplate().getSpec()).build()).create();
      }
    } else if (owned.size() > desired) {
      // Unready pods first, then the newest, as a ReplicaSet chooses.
      List<Pod> victims = new ArrayList<>(owned);
      victims.sort(Comparator.comparing((Pod pod) -> Readiness.isPodReady(pod))
          .thenComparing(pod -> String.valueOf(pod.getMetadata().getCreationTimestamp()), Comparator.reverseOrder()));
      for (Pod pod : victims.subList(0, owned.size() - desired)) {
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
      }
    }
    long ready = owned.stream().filter(Readiness::isPodReady).count();
    ReplicaSetStatus status = new ReplicaSetStatusBuilder().withReplicas(owned.size())
        .withFullyLabeledReplicas(owned.size()).withReadyReplicas((int) ready).withAvailableReplicas((int) ready)
        .withObservedGeneration(rs.getMetadata().getGeneration()).build();
    if (!status.equals(rs.getStatus())) {
      client.apps().replicaSets().inNamespace(namespace).withName(name).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), client.getKubernetesSerialization()
              .asJson(Map.of("status", status)));
    }
  }

  @Override
  public void close() {
    closed = true;
    informers.forEach(SharedIndexInformer::close);
    worker.shutdownNow();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
