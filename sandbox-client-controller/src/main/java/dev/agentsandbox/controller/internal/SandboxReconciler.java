package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a Sandbox into its PVCs, pod and optional headless Service, reports their state in
 * the Sandbox status and expires it at its shutdown time (spec S1-S16). Event driven, plus one
 * timer per Sandbox that has a shutdown time: pods and services carrying the sandbox-name-hash
 * label and controlled by a Sandbox are watched and mapped to it; PVCs are not watched.
 */
@ControllerConfiguration(name = SandboxReconciler.NAME, generationAwareEventProcessing = false)
public final class SandboxReconciler implements Reconciler<Sandbox> {
  /** Controller name. */
  public static final String NAME = "sandbox-controller";
  private static final Logger log = LoggerFactory.getLogger(SandboxReconciler.class);

  private final String clusterDomain;
  private final ControllerMetrics metrics;
  private volatile InformerEventSource<Pod, Sandbox> pods;
  private volatile InformerEventSource<Service, Sandbox> services;

  /**
   * Creates the reconciler.
   *
   * @param clusterDomain cluster DNS domain used in {@code status.serviceFQDN}
   * @param metrics where Sandbox counts and readiness latencies go
   */
  public SandboxReconciler(String clusterDomain, ControllerMetrics metrics) {
    this.clusterDomain = Objects.requireNonNull(clusterDomain, "clusterDomain");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public List<EventSource<?, Sandbox>> prepareEventSources(EventSourceContext<Sandbox> context) {
    metrics.countSandboxes(() -> context.getPrimaryCache().list());
    pods = children(Pod.class, "sandbox-pods", context);
    services = children(Service.class, "sandbox-services", context);
    return List.of(pods, services);
  }

  /** A cache of the Sandboxes' children of one type: those labelled with a Sandbox's name hash. */
  private static <R extends HasMetadata> InformerEventSource<R, Sandbox> children(Class<R> type, String name,
      EventSourceContext<Sandbox> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, Sandbox.class)
            .withName(name)
            .withLabelSelector(SandboxKeys.SANDBOX_NAME_HASH)
            .withSecondaryToPrimaryMapper(SandboxReconciler::controllingSandbox)
            .build(),
        context);
  }

  /** S16: the Sandbox that controls a pod or service, if any; other owners trigger nothing. */
  static Set<ResourceID> controllingSandbox(HasMetadata child) {
    return ControllerReferences.controllerOf(child)
        .filter(r -> HasMetadata.getKind(Sandbox.class).equals(r.getKind())
            && HasMetadata.getApiVersion(Sandbox.class).equals(r.getApiVersion()))
        .map(r -> Set.of(new ResourceID(r.getName(), child.getMetadata().getNamespace())))
        .orElse(Set.of());
  }

  @Override
  public UpdateControl<Sandbox> reconcile(Sandbox sandbox, Context<Sandbox> context) {
    return LiveResources.reconcile(sandbox, log, () -> reconcileActive(sandbox, context));
  }

  private UpdateControl<Sandbox> reconcileActive(Sandbox sandbox, Context<Sandbox> context) {
    Instant now = Instant.now();
    if (SandboxExpiry.expired(sandbox, now)) {
      return expire(sandbox, context, now);
    }
    KubernetesClient client = context.getClient();
    List<String> errors = new ArrayList<>();
    // S1: replicas is 0 or 1, and unset means 1.
    boolean suspended = sandbox.getSpec() != null && Integer.valueOf(0).equals(sandbox.getSpec().getReplicas());

    reconcileVolumeClaims(sandbox, client, errors);
    PodOutcome podOutcome = reconcilePod(sandbox, client, suspended, errors);
    ServiceOutcome serviceOutcome = reconcileService(sandbox, client, errors);

    Sandbox current = sandbox;
    String annotated = annotation(sandbox, SandboxKeys.POD_NAME);
    if (!Objects.equals(annotated, podOutcome.annotation())) {
      current = KubernetesWrites.mergePatch(client, Sandbox.class, sandbox.getMetadata().getNamespace(),
          sandbox.getMetadata().getName(), MergePatches.annotation(SandboxKeys.POD_NAME, podOutcome.annotation()));
      KubernetesWrites.cachePrimary(context, current, sandbox);
    }

    SandboxStatus status = new SandboxStatusCalculation(sandbox, podOutcome.pod(), suspended,
        serviceOutcome.ownedName(), serviceOutcome.required(), errors, clusterDomain).compute(Instant.now());
    metrics.sandboxStatus(sandbox, status);
    KubernetesWrites.writeStatus(current, context, Sandbox::getStatus, status);
    if (!errors.isEmpty()) {
      throw new ReconcileFailure(String.join("\n", errors));
    }
    return SandboxExpiry.shutdownTime(sandbox)
        .map(t -> UpdateControl.<Sandbox>noUpdate().rescheduleAfter(SandboxExpiry.requeueAfter(now, t)))
        .orElseGet(UpdateControl::noUpdate);
  }

  /**
   * S14: marks the Sandbox expired, and on the next reconcile deletes the pod and Service it
   * controls, then either the Sandbox (policy Delete) or all of its status but the conditions.
   * PVCs and the pod-name annotation stay.
   */
  private UpdateControl<Sandbox> expire(Sandbox sandbox, Context<Sandbox> context, Instant now) {
    if (!SandboxExpiry.marked(sandbox)) {
      SandboxStatus marked = SandboxExpiry.markedStatus(sandbox, now);
      KubernetesWrites.writeStatus(sandbox, context, Sandbox::getStatus, marked);
      log.info("Sandbox {}/{} expired", sandbox.getMetadata().getNamespace(), sandbox.getMetadata().getName());
      return UpdateControl.<Sandbox>noUpdate().rescheduleAfter(SandboxExpiry.AFTER_MARK);
    }
    KubernetesClient client = context.getClient();
    String namespace = sandbox.getMetadata().getNamespace();
    String name = sandbox.getMetadata().getName();
    List<String> errors = new ArrayList<>();
    String podName = SandboxPods.podName(sandbox);
    pods.get(new ResourceID(podName, namespace))
        .filter(p -> ControllerReferences.isControlledBy(p, sandbox) && !p.isMarkedForDeletion())
        .ifPresent(p -> deleteChild("pod", podName, () -> client.pods().inNamespace(namespace).withName(podName).delete(),
            errors));
    services.get(new ResourceID(name, namespace))
        .filter(svc -> ControllerReferences.isControlledBy(svc, sandbox) && !svc.isMarkedForDeletion())
        .ifPresent(svc -> deleteChild("service", name, () -> client.services().inNamespace(namespace).withName(name).delete(),
            errors));
    if (!errors.isEmpty()) {
      throw new ReconcileFailure(String.join("\n", errors));
    }
    if (SandboxExpiry.deletesSandbox(sandbox)) {
      client.resources(Sandbox.class).inNamespace(namespace).withName(name).delete();
      log.info("Deleted expired Sandbox {}/{}", namespace, name);
      return UpdateControl.noUpdate();
    }
    SandboxStatus retained = SandboxExpiry.retainedStatus(sandbox);
    KubernetesWrites.writeStatus(sandbox, context, Sandbox::getStatus, retained);
    return UpdateControl.noUpdate();
  }

  private static void deleteChild(String kind, String name, Runnable delete, List<String> errors) {
    try {
      delete.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        errors.add(KubernetesWrites.failure("failed to delete " + kind + " \"" + name + "\"", e).getMessage());
      }
    }
  }

  /**
   * S3: one PVC per volume claim template, created or adopted, also while suspended. PVCs are
   * read from the API (they are not watched) and never deleted here.
   */
  private void reconcileVolumeClaims(Sandbox sandbox, KubernetesClient client, List<String> errors) {
    String namespace = sandbox.getMetadata().getNamespace();
    for (PersistentVolumeClaimTemplate vct : SandboxVolumeClaims.templates(sandbox)) {
      String name = SandboxVolumeClaims.name(vct, sandbox);
      try {
        PersistentVolumeClaim existing = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        if (existing == null) {
          client.persistentVolumeClaims().inNamespace(namespace)
              .resource(SandboxVolumeClaims.desired(vct, sandbox))
              .create();
          log.debug("Created PVC {}/{}", namespace, name);
          continue;
        }
        Optional<OwnerReference> controller = ControllerReferences.controllerOf(existing);
        if (controller.isEmpty()) {
          PersistentVolumeClaim adopted = Serialization.clone(existing);
          ControllerReferences.add(adopted, sandbox);
          client.persistentVolumeClaims().inNamespace(namespace).resource(adopted).update();
        } else if (!ControllerReferences.isControlledBy(existing, sandbox)) {
          errors.add("PVC \"" + name + "\" is owned by " + ControllerReferences.describe(controller.get())
              + ", not by sandbox \"" + sandbox.getMetadata().getName() + "\"");
        }
      } catch (KubernetesClientException e) {
        errors.add(KubernetesWrites.failure("failed to reconcile PVC \"" + name + "\"", e).getMessage());
      }
    }
  }

  /** The pod to report (null when none) and the value the pod-name annotation must have. */
  private record PodOutcome(Pod pod, String annotation) {
  }

  private PodOutcome reconcilePod(Sandbox sandbox, KubernetesClient client, boolean suspended, List<String> errors) {
    String namespace = sandbox.getMetadata().getNamespace();
    String podName = SandboxPods.podName(sandbox);
    Pod pod = pods.get(new ResourceID(podName, namespace)).orElse(null);
    if (suspended) {
      if (pod != null && ControllerReferences.isControlledBy(pod, sandbox) && !pod.isMarkedForDeletion()) {
        try {
          client.pods().inNamespace(namespace).withName(podName).delete();
        } catch (KubernetesClientException e) {
          errors.add(KubernetesWrites.failure("failed to delete pod \"" + podName + "\"", e).getMessage());
        }
      }
      return new PodOutcome(null, null);
    }
    try {
      if (pod == null) {
        pod = createPod(sandbox, client);
      }
      Optional<OwnerReference> controller = ControllerReferences.controllerOf(pod);
      if (controller.isPresent() && !ControllerReferences.isControlledBy(pod, sandbox)) {
        errors.add("pod \"" + pod.getMetadata().getName() + "\" is owned by "
            + ControllerReferences.describe(controller.get()) + ", not by sandbox \""
            + sandbox.getMetadata().getName() + "\"");
        return new PodOutcome(null, null);
      }
      pod = adoptAndSync(pod, controller.isEmpty(), sandbox, client);
      return new PodOutcome(pod, pod.getMetadata().getName());
    } catch (ReconcileFailure e) {
      errors.add(e.getMessage());
      return new PodOutcome(null, annotation(sandbox, SandboxKeys.POD_NAME));
    }
  }

  private Pod createPod(Sandbox sandbox, KubernetesClient client) {
    Pod desired = SandboxPods.desired(sandbox);
    String namespace = desired.getMetadata().getNamespace();
    String name = desired.getMetadata().getName();
    try {
      Pod created = client.pods().inNamespace(namespace).resource(desired).create();
      pods.handleRecentResourceCreate(ResourceID.fromResource(created), created);
      log.debug("Created pod {}/{}", namespace, name);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw KubernetesWrites.failure("failed to create pod \"" + name + "\"", e);
      }
    }
    // S5: AlreadyExists means an existing pod the cache could not show (e.g. without our label).
    Pod existing = client.pods().inNamespace(namespace).withName(name).get();
    if (existing == null) {
      throw new ReconcileFailure("pod \"" + name + "\" already exists but could not be read");
    }
    return existing;
  }

  private Pod adoptAndSync(Pod pod, boolean adopt, Sandbox sandbox, KubernetesClient client) {
    // Only the metadata changes: copy that, not the whole pod.
    Pod updated = new Pod();
    updated.setMetadata(new ObjectMetaBuilder(pod.getMetadata()).build());
    boolean changed = false;
    if (adopt) {
      ControllerReferences.add(updated, sandbox);
      changed = true;
    }
    changed |= SandboxPods.syncMetadata(updated, sandbox);
    if (!changed) {
      return pod;
    }
    try {
      Pod patched = KubernetesWrites.mergePatch(client, Pod.class, pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(), MergePatches.metadata(pod.getMetadata(), updated.getMetadata()));
      pods.handleRecentResourceUpdate(ResourceID.fromResource(patched), patched, pod);
      return patched;
    } catch (KubernetesClientException e) {
      throw KubernetesWrites.failure("failed to update pod \"" + pod.getMetadata().getName() + "\"", e);
    }
  }

  /** The name of the Service this Sandbox controls (null if none) and whether Ready needs it. */
  private record ServiceOutcome(String ownedName, boolean required) {
  }

  private ServiceOutcome reconcileService(Sandbox sandbox, KubernetesClient client, List<String> errors) {
    Boolean wanted = sandbox.getSpec() == null ? null : sandbox.getSpec().getService();
    boolean wantedTrue = Boolean.TRUE.equals(wanted);
    String namespace = sandbox.getMetadata().getNamespace();
    String name = sandbox.getMetadata().getName();
    try {
      Service service = services.get(new ResourceID(name, namespace)).orElse(null);
      if (service == null && wantedTrue) {
        service = createService(sandbox, client);
      }
      if (service == null) {
        return new ServiceOutcome(null, wantedTrue);
      }
      Optional<OwnerReference> controller = ControllerReferences.controllerOf(service);
      boolean owned = ControllerReferences.isControlledBy(service, sandbox);
      if (controller.isPresent() && !owned) {
        if (Boolean.FALSE.equals(wanted)) {
          return new ServiceOutcome(null, false);
        }
        throw new ReconcileFailure("service \"" + name + "\" is owned by "
            + ControllerReferences.describe(controller.get()) + ", not by sandbox \"" + name + "\"");
      }
      if (!owned) {
        if (!wantedTrue) {
          return new ServiceOutcome(null, false);
        }
        String clusterIP = service.getSpec().getClusterIP();
        if (clusterIP != null && !clusterIP.isEmpty() && !"None".equals(clusterIP)) {
          throw new ReconcileFailure("cannot adopt service \"" + name + "\": ClusterIP is \"" + clusterIP
              + "\" (expected \"None\", field is immutable)");
        }
        Service adopted = Serialization.clone(service);
        ControllerReferences.add(adopted, sandbox);
        SandboxServices.syncLabelAndSelector(adopted, sandbox);
        updateService(client, adopted, service);
        return new ServiceOutcome(name, true);
      }
      if (Boolean.FALSE.equals(wanted)) {
        client.services().inNamespace(namespace).withName(name).delete();
        return new ServiceOutcome(null, false);
      }
      Service repaired = Serialization.clone(service);
      if (SandboxServices.syncLabelAndSelector(repaired, sandbox)) {
        updateService(client, repaired, service);
      }
      return new ServiceOutcome(name, true);
    } catch (KubernetesClientException e) {
      errors.add(KubernetesWrites.failure("failed to reconcile service \"" + name + "\"", e).getMessage());
    } catch (ReconcileFailure e) {
      errors.add(e.getMessage());
    }
    return new ServiceOutcome(null, wantedTrue);
  }

  private Service createService(Sandbox sandbox, KubernetesClient client) {
    Service desired = SandboxServices.desired(sandbox);
    String namespace = desired.getMetadata().getNamespace();
    try {
      Service created = client.services().inNamespace(namespace).resource(desired).create();
      services.handleRecentResourceCreate(ResourceID.fromResource(created), created);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    return client.services().inNamespace(namespace).withName(desired.getMetadata().getName()).get();
  }

  private void updateService(KubernetesClient client, Service updated, Service previous) {
    Service written = client.services().inNamespace(updated.getMetadata().getNamespace()).resource(updated).update();
    services.handleRecentResourceUpdate(ResourceID.fromResource(written), written, previous);
  }

  private static String annotation(Sandbox sandbox, String key) {
    Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(key);
    return value == null || value.isEmpty() ? null : value;
  }
}
