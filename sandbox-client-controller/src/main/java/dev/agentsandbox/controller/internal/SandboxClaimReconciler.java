package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
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
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a SandboxClaim: finds or cold-creates its Sandbox from the referenced template,
 * adopting a warm pool Sandbox when one is queued (C4, C7, C8, in {@link WarmAdoption}), mirrors
 * the Sandbox's state in the claim status and ends the claim at its expiry (spec C1-C16, X2).
 */
@ControllerConfiguration(name = SandboxClaimReconciler.NAME, generationAwareEventProcessing = false)
public final class SandboxClaimReconciler implements Reconciler<SandboxClaim> {
  /** Controller name. */
  public static final String NAME = "sandboxclaim-controller";
  /** How long a claim waits for a missing template before looking again (template events come sooner). */
  static final Duration TEMPLATE_MISSING_REQUEUE = Duration.ofMinutes(1);
  private static final String TEMPLATE_INDEX = "spec.sandboxTemplateRef.name";
  private static final Logger log = LoggerFactory.getLogger(SandboxClaimReconciler.class);

  private final ControllerMetrics metrics;
  private final WarmSandboxQueue warmQueue = new WarmSandboxQueue();
  private volatile InformerEventSource<Sandbox, SandboxClaim> sandboxes;
  private volatile WarmAdoption adoption;
  private volatile InformerEventSource<SandboxTemplate, SandboxClaim> templates;
  private volatile InformerEventSource<NetworkPolicy, SandboxClaim> legacyPolicies;
  private final ClaimEvents events = new ClaimEvents();
  private final ClaimExpiry expiry = new ClaimExpiry(events);

  /**
   * Creates the reconciler.
   *
   * @param metrics where claim creations and startup latencies go
   */
  public SandboxClaimReconciler(ControllerMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /**
   * Writes the claim events still queued, waiting at most {@code timeout}; call once the
   * reconciler has stopped. Later events are dropped.
   */
  public void flushEvents(Duration timeout) {
    events.close(timeout);
  }

  @Override
  public List<EventSource<?, SandboxClaim>> prepareEventSources(EventSourceContext<SandboxClaim> context) {
    context.getPrimaryCache().addIndexer(TEMPLATE_INDEX, claim -> {
      String template = templateName(claim);
      return template == null ? List.of() : List.of(indexKey(template, claim.getMetadata().getNamespace()));
    });
    // C7, C17: every Sandbox passes by the warm queue, the initial list included.
    sandboxes = new ListeningInformerEventSource<>(
        InformerEventSourceConfiguration.from(Sandbox.class, SandboxClaim.class)
            .withName("claim-sandboxes")
            .build(),
        context, warmQueue::offer, deleted -> { });
    adoption = new WarmAdoption(warmQueue, sandboxes);
    templates = new ListeningInformerEventSource<>(
        InformerEventSourceConfiguration.from(SandboxTemplate.class, SandboxClaim.class)
            .withName("claim-templates")
            .withSecondaryToPrimaryMapper((SandboxTemplate template) -> context.getPrimaryCache()
                .byIndex(TEMPLATE_INDEX,
                    indexKey(template.getMetadata().getName(), template.getMetadata().getNamespace()))
                .stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet()))
            .build(),
        context, changed -> { },
        deleted -> warmQueue.drop(deleted.getMetadata().getNamespace(), deleted.getMetadata().getName()));
    // C3 looks for a legacy policy on every reconcile: from a cache, not with a request each time.
    // A policy's events reach the claims in its owner references.
    legacyPolicies = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(NetworkPolicy.class, SandboxClaim.class)
            .withName("claim-legacy-network-policies")
            .build(),
        context);
    return List.of(sandboxes, templates, legacyPolicies);
  }

  @Override
  public UpdateControl<SandboxClaim> reconcile(SandboxClaim claim, Context<SandboxClaim> context) {
    return LiveResources.reconcile(claim, log, () -> reconcileActive(claim, context));
  }

  private UpdateControl<SandboxClaim> reconcileActive(SandboxClaim claim, Context<SandboxClaim> context) {
    KubernetesClient client = context.getClient();
    String namespace = claim.getMetadata().getNamespace();
    String templateName = templateName(claim);
    Instant now = Instant.now();
    Optional<Instant> expireAt = ClaimExpiry.expireAt(claim);
    if (expireAt.isPresent() && !now.isBefore(expireAt.get())) {
      return reconcileExpired(claim, context);
    }
    Sandbox sandbox = null;
    String missingTemplate = null;
    ReconcileFailure failure = null;
    // The claim as last written by this reconcile (adoption labels it).
    SandboxClaim latest = claim;
    try {
      SandboxClaimSpec spec = claim.getSpec() == null ? new SandboxClaimSpec(null) : claim.getSpec();
      ClaimSandboxes.validate(spec.additionalPodMetadata());
      SandboxTemplate template = templateName == null ? null : template(templateName, namespace, client);
      WarmAdoption.Outcome found = findSandbox(claim, template, context);
      sandbox = found.sandbox();
      latest = found.claim();
      if (sandbox == null) {
        boolean warm = !SandboxClaimSpec.WARMPOOL_NONE.equals(spec.warmpool());
        if (spec.env() != null && !spec.env().isEmpty() && warm) {
          throw new ReconcileFailure("custom environment variables are not supported when using a warm pool");
        }
        if (template == null) {
          missingTemplate = templateName == null ? "" : templateName;
        } else {
          if (warm) {
            WarmAdoption.Outcome adopted = adoption.adopt(latest, template, context);
            sandbox = adopted.sandbox();
            latest = adopted.claim();
            if (sandbox != null) {
              events.sandboxAdopted(client, claim, sandbox.getMetadata().getName());
            }
          }
          if (sandbox == null) {
            sandbox = createSandbox(claim, template, client);
          }
        }
      } else if (template != null) {
        sandbox = syncPodTemplateMetadata(claim, sandbox, template, client);
      } else if (hasAdditionalMetadata(spec)) {
        throw new ReconcileFailure("failed to get template for metadata propagation: SandboxTemplate \""
            + templateName + "\" not found");
      }
    } catch (ReconcileFailure e) {
      failure = e;
    } catch (KubernetesClientException e) {
      failure = KubernetesWrites.failure("failed to reconcile sandbox", e);
    }

    SandboxClaimStatus status = writeStatus(claim, latest, context,
        new ClaimStatusCalculation(claim, sandbox, missingTemplate, failure));
    if (failure != null && failure.retryable()) {
      throw failure;
    }
    // The Finished condition just written may bring the expiry (ttlSecondsAfterFinished) forward.
    return requeue(now, ClaimExpiry.expireAt(claim, status), missingTemplate != null);
  }

  /** C12: a claim past its expiry is marked, then deleted or stripped of its Sandbox; never re-provisioned. */
  private UpdateControl<SandboxClaim> reconcileExpired(SandboxClaim claim, Context<SandboxClaim> context) {
    String namespace = claim.getMetadata().getNamespace();
    Sandbox sandbox = null;
    ReconcileFailure failure = null;
    boolean marked = false;
    try {
      ClaimExpiry.Outcome outcome = expiry.expire(claim, context.getClient(),
          name -> sandboxes.get(new ResourceID(name, namespace)));
      if (outcome.claimDeleted()) {
        return UpdateControl.noUpdate();
      }
      sandbox = outcome.sandbox();
      marked = outcome.marked();
    } catch (ReconcileFailure e) {
      failure = e;
    } catch (KubernetesClientException e) {
      failure = KubernetesWrites.failure("failed to clean up expired claim", e);
    }
    writeStatus(claim, claim, context, new ClaimStatusCalculation(claim, sandbox, null, failure, true));
    if (failure != null && failure.retryable()) {
      throw failure;
    }
    return marked
        ? UpdateControl.<SandboxClaim>noUpdate().rescheduleAfter(ClaimExpiry.AFTER_MARK)
        : UpdateControl.noUpdate();
  }

  /**
   * C3 and C2: the first-observed annotation, the legacy policy cleanup, and the status if it
   * changed; {@code latest} is the claim as this reconcile last wrote it.
   */
  private SandboxClaimStatus writeStatus(SandboxClaim claim, SandboxClaim latest,
      Context<SandboxClaim> context, ClaimStatusCalculation calculation) {
    KubernetesClient client = context.getClient();
    String namespace = claim.getMetadata().getNamespace();
    SandboxClaim current = latest;
    // The adoption's label patch may have added it already.
    Map<String, String> annotations = latest.getMetadata().getAnnotations();
    if (annotations == null || !annotations.containsKey(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT)) {
      current = KubernetesWrites.mergePatch(client, SandboxClaim.class, namespace, claim.getMetadata().getName(),
          MergePatches.annotation(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT,
              DateTimeFormatter.ISO_INSTANT.format(Instant.now())));
      KubernetesWrites.cachePrimary(context, current, latest);
    }

    LegacyClaimNetworkPolicy.deleteIfControlled(client, claim, legacyPolicies::get);
    SandboxClaimStatus status = calculation.compute(Instant.now());
    metrics.claimStatus(claim, status);
    KubernetesWrites.writeStatus(current, context, SandboxClaim::getStatus, status);
    return status;
  }

  /** X3: at expiry (exactly the time left), and after a minute at most while the template is missing. */
  private static UpdateControl<SandboxClaim> requeue(Instant now, Optional<Instant> expireAt, boolean templateMissing) {
    Optional<Duration> delay = expireAt.map(t -> ClaimExpiry.requeueAfter(now, t));
    if (templateMissing && delay.map(d -> d.compareTo(TEMPLATE_MISSING_REQUEUE) > 0).orElse(true)) {
      delay = Optional.of(TEMPLATE_MISSING_REQUEUE);
    }
    return delay.map(d -> UpdateControl.<SandboxClaim>noUpdate().rescheduleAfter(d))
        .orElseGet(UpdateControl::noUpdate);
  }

  /**
   * C4 steps 2-4: the Sandbox this claim already controls, if any. An adoption the claim's
   * label records but the Sandbox does not show yet is completed here (and the reconcile
   * retried); a label naming a Sandbox that is gone or another claim's is removed.
   */
  private WarmAdoption.Outcome findSandbox(SandboxClaim claim, SandboxTemplate template,
      Context<SandboxClaim> context) {
    String namespace = claim.getMetadata().getNamespace();
    ClaimedSandbox claimed = claim.getStatus() == null ? null : claim.getStatus().sandbox();
    if (claimed != null && claimed.name() != null && !claimed.name().isEmpty()) {
      Sandbox named = sandboxes.get(new ResourceID(claimed.name(), namespace)).orElse(null);
      if (named != null && ControllerReferences.isControlledBy(named, claim)) {
        return new WarmAdoption.Outcome(named, claim);
      }
    }
    SandboxClaim current = claim;
    String assigned = WarmAdoption.assigned(claim);
    if (assigned != null) {
      Sandbox adopted = sandboxes.get(new ResourceID(assigned, namespace)).orElse(null);
      if (adopted != null && ControllerReferences.isControlledBy(adopted, claim)) {
        return new WarmAdoption.Outcome(adopted, claim);
      }
      if (adopted != null && WarmSandboxQueue.adoptable(adopted)) {
        adoption.complete(claim, adopted, template, context);
        throw new ReconcileFailure("triggered adoption completion for \"" + assigned + "\": retrying");
      }
      current = adoption.label(claim, null, context);
    }
    Sandbox sameName = sandboxes.get(new ResourceID(claim.getMetadata().getName(), namespace)).orElse(null);
    if (sameName != null) {
      checkControlled(sameName, claim);
    }
    return new WarmAdoption.Outcome(sameName, current);
  }

  /**
   * The claim's template: from the cache, or, when the cache does not have it, from the API
   * server. A template applied just before its claims (as a tutorial does, and kubectl apply of
   * one file) may not have reached the cache yet; it is missing only if the server says so.
   */
  private SandboxTemplate template(String name, String namespace, KubernetesClient client) {
    Optional<SandboxTemplate> cached = templates.get(new ResourceID(name, namespace));
    if (cached.isPresent()) {
      return cached.get();
    }
    return client.resources(SandboxTemplate.class).inNamespace(namespace).withName(name).get();
  }

  private Sandbox createSandbox(SandboxClaim claim, SandboxTemplate template, KubernetesClient client) {
    Sandbox desired = ClaimSandboxes.desired(claim, template);
    String namespace = desired.getMetadata().getNamespace();
    String name = desired.getMetadata().getName();
    try {
      Sandbox created = client.resources(Sandbox.class).inNamespace(namespace).resource(desired).create();
      sandboxes.handleRecentResourceCreate(ResourceID.fromResource(created), created);
      metrics.claimSandboxCreated(claim, created);
      log.info("Created Sandbox {}/{} for claim from template {}", namespace, name, template.getMetadata().getName());
      events.sandboxProvisioned(client, claim, name);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw KubernetesWrites.failure("failed to create sandbox \"" + name + "\"", e);
      }
    }
    Sandbox existing = client.resources(Sandbox.class).inNamespace(namespace).withName(name).get();
    if (existing == null) {
      throw new ReconcileFailure("sandbox \"" + name + "\" already exists but could not be read");
    }
    checkControlled(existing, claim);
    return existing;
  }

  /** C6: keeps the Sandbox's pod template labels and annotations equal to what the claim asks for. */
  private Sandbox syncPodTemplateMetadata(SandboxClaim claim, Sandbox sandbox, SandboxTemplate template,
      KubernetesClient client) {
    ObjectMeta desired = ClaimSandboxes.podTemplateMetadata(claim, template);
    ObjectMeta actual = sandbox.getSpec() == null || sandbox.getSpec().getPodTemplate() == null
        ? null
        : sandbox.getSpec().getPodTemplate().getMetadata();
    if (actual != null
        && SandboxPods.orEmpty(actual.getLabels()).equals(SandboxPods.orEmpty(desired.getLabels()))
        && SandboxPods.orEmpty(actual.getAnnotations()).equals(SandboxPods.orEmpty(desired.getAnnotations()))) {
      return sandbox;
    }
    Sandbox updated = Serialization.clone(sandbox);
    ObjectMeta target = actual == null ? new ObjectMeta() : Serialization.clone(actual);
    target.setLabels(desired.getLabels());
    target.setAnnotations(desired.getAnnotations());
    updated.getSpec().getPodTemplate().setMetadata(target);
    Sandbox written = client.resources(Sandbox.class)
        .inNamespace(sandbox.getMetadata().getNamespace())
        .resource(updated)
        .update();
    sandboxes.handleRecentResourceUpdate(ResourceID.fromResource(written), written, sandbox);
    return written;
  }

  private static void checkControlled(Sandbox sandbox, SandboxClaim claim) {
    if (!ControllerReferences.isControlledBy(sandbox, claim)) {
      throw new ReconcileFailure("sandbox \"" + sandbox.getMetadata().getName() + "\" is not controlled by claim \""
          + claim.getMetadata().getName() + "\". Please use a different claim name or delete the sandbox manually");
    }
  }

  private static boolean hasAdditionalMetadata(SandboxClaimSpec spec) {
    var extra = spec.additionalPodMetadata();
    return extra != null
        && (!SandboxPods.orEmpty(extra.labels()).isEmpty() || !SandboxPods.orEmpty(extra.annotations()).isEmpty());
  }

  private static String templateName(SandboxClaim claim) {
    if (claim.getSpec() == null || claim.getSpec().sandboxTemplateRef() == null) {
      return null;
    }
    return claim.getSpec().sandboxTemplateRef().name();
  }

  private static String indexKey(String template, String namespace) {
    return namespace + "/" + template;
  }
}
