package dev.agentsandbox.controller.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A claim taking a warm pool Sandbox (spec C4 step 3, C7, C8).
 *
 * <p>Two claims never get the same Sandbox: the write that makes a claim the Sandbox's
 * controller carries the resourceVersion at which the Sandbox was seen adoptable, so of two
 * concurrent adopters (other workers, another controller process, or this one before a
 * restart) only the first succeeds; the other gets 409 Conflict, reads the Sandbox again and
 * moves on once it sees it owned.
 */
final class WarmAdoption {
  /** C7: candidates tried per reconcile before falling back to a cold create. */
  static final int ATTEMPTS = 3;
  /** Conflicts on one candidate that is still adoptable (other writers, e.g. its status) before giving it up. */
  private static final int CONFLICT_RETRIES = 5;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(WarmAdoption.class);

  private final WarmSandboxQueue queue;
  private final InformerEventSource<Sandbox, SandboxClaim> sandboxes;

  WarmAdoption(WarmSandboxQueue queue, InformerEventSource<Sandbox, SandboxClaim> sandboxes) {
    this.queue = queue;
    this.sandboxes = sandboxes;
  }

  /**
   * What an adoption attempt left behind.
   *
   * @param sandbox the adopted Sandbox, or null if none could be adopted
   * @param claim the claim as last written (its assigned-sandbox label may have changed)
   */
  record Outcome(Sandbox sandbox, SandboxClaim claim) {
  }

  /** The name in the claim's assigned-sandbox label, or null. */
  static String assigned(SandboxClaim claim) {
    String value = SandboxPods.orEmpty(claim.getMetadata().getLabels()).get(SandboxKeys.SANDBOX_NAME);
    return value == null || value.isEmpty() ? null : value;
  }

  /** The pool a claim insists on, or null for any pool of its template ({@code default}). */
  static String namedPool(SandboxClaimSpec spec) {
    String policy = spec.warmpool();
    return policy == null || policy.isEmpty() || SandboxClaimSpec.WARMPOOL_DEFAULT.equals(policy)
        || SandboxClaimSpec.WARMPOOL_NONE.equals(policy) ? null : policy;
  }

  /**
   * C7 and C8: takes up to {@value #ATTEMPTS} queued Sandboxes of the claim's template and
   * adopts the first one that is still adoptable. Blocks on API calls.
   *
   * @throws ReconcileFailure if the claim's metadata conflicts with the template's (C14)
   * @throws KubernetesClientException if the claim cannot be labelled
   */
  Outcome adopt(SandboxClaim claim, SandboxTemplate template, Context<SandboxClaim> context) {
    ObjectMeta podMetadata = ClaimSandboxes.podTemplateMetadata(claim, template);
    String namespace = claim.getMetadata().getNamespace();
    String templateName = template.getMetadata().getName();
    String templateHash = NameHash.of(templateName);
    String pool = namedPool(claim.getSpec());
    SandboxClaim current = claim;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Optional<String> next = queue.poll(namespace, templateName);
      if (next.isEmpty()) {
        break;
      }
      String name = next.get();
      Sandbox candidate = sandboxes.get(new ResourceID(name, namespace)).orElse(null);
      if (candidate == null || !WarmSandboxQueue.adoptable(candidate)
          || !templateHash.equals(label(candidate, SandboxKeys.TEMPLATE_REF_HASH))) {
        continue; // gone, taken or of another template: dropped
      }
      if (pool != null && !NameHash.of(pool).equals(label(candidate, SandboxKeys.WARM_POOL_SANDBOX))) {
        queue.requeue(namespace, templateHash, name);
        continue;
      }
      Sandbox adopted;
      try {
        current = label(current, name, context);
        adopted = take(current, candidate, podMetadata, pool, context.getClient());
      } catch (RuntimeException e) {
        queue.requeue(namespace, templateHash, name);
        throw e;
      }
      if (adopted != null) {
        log.info("Claim {}/{} adopted warm Sandbox {}", namespace, claim.getMetadata().getName(), name);
        return new Outcome(adopted, current);
      }
    }
    if (assigned(current) != null) {
      current = label(current, null, context);
    }
    return new Outcome(null, current);
  }

  /**
   * C4 step 3: finishes an adoption that labelled the claim but may not have reached the
   * Sandbox (a restart or a failed write in between). Returns the adopted Sandbox, or null if
   * another claim got it first.
   *
   * @throws ReconcileFailure if the template is missing or the metadata conflicts
   */
  Sandbox complete(SandboxClaim claim, Sandbox sandbox, SandboxTemplate template, Context<SandboxClaim> context) {
    if (template == null) {
      throw new ReconcileFailure("failed to get template for metadata propagation: SandboxTemplate \""
          + templateName(claim) + "\" not found");
    }
    ObjectMeta podMetadata = ClaimSandboxes.podTemplateMetadata(claim, template);
    return take(claim, sandbox, podMetadata, null, context.getClient());
  }

  /** C8 step 2, conditional on the Sandbox being unchanged since it was seen adoptable. */
  private Sandbox take(SandboxClaim claim, Sandbox seen, ObjectMeta podMetadata, String pool,
      KubernetesClient client) {
    String namespace = seen.getMetadata().getNamespace();
    String name = seen.getMetadata().getName();
    String templateHash = label(seen, SandboxKeys.TEMPLATE_REF_HASH);
    Sandbox base = seen;
    for (int i = 0; i <= CONFLICT_RETRIES; i++) {
      try {
        Sandbox written = KubernetesWrites.mergePatch(client, Sandbox.class, namespace, name,
            adoptionPatch(claim, base, podMetadata));
        sandboxes.handleRecentResourceUpdate(ResourceID.fromResource(written), written, base);
        return written;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return null;
        }
        if (e.getCode() != 409) {
          throw KubernetesWrites.failure("failed to adopt sandbox \"" + name + "\"", e);
        }
      }
      base = client.resources(Sandbox.class).inNamespace(namespace).withName(name).get();
      if (base == null || !WarmSandboxQueue.adoptable(base)
          || !templateHash.equals(label(base, SandboxKeys.TEMPLATE_REF_HASH))
          || (pool != null && !NameHash.of(pool).equals(label(base, SandboxKeys.WARM_POOL_SANDBOX)))) {
        log.debug("Warm Sandbox {}/{} was taken by another claim", namespace, name);
        return null;
      }
    }
    // Still adoptable but never unchanged long enough: leave it to the next claim.
    queue.requeue(namespace, templateHash, name);
    return null;
  }

  /**
   * The merge patch of C8 step 2. It carries the resourceVersion it was computed from, which
   * the API server treats as a precondition.
   */
  private static String adoptionPatch(SandboxClaim claim, Sandbox sandbox, ObjectMeta podMetadata) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode metadata = root.putObject("metadata");
    metadata.put("resourceVersion", sandbox.getMetadata().getResourceVersion());
    ObjectNode labels = metadata.putObject("labels");
    labels.putNull(SandboxKeys.WARM_POOL_SANDBOX);
    labels.putNull(SandboxKeys.TEMPLATE_REF_HASH);
    labels.putNull(SandboxKeys.POD_TEMPLATE_HASH);
    labels.put(SandboxKeys.CLAIM_UID, claim.getMetadata().getUid());
    ObjectNode annotations = metadata.putObject("annotations");
    annotations.put(SandboxKeys.POD_NAME, sandbox.getMetadata().getName());
    String trace = SandboxPods.orEmpty(claim.getMetadata().getAnnotations()).get(SandboxKeys.TRACE_CONTEXT);
    if (trace != null) {
      annotations.put(SandboxKeys.TRACE_CONTEXT, trace);
    }
    metadata.set("ownerReferences", MAPPER.valueToTree(List.of(ControllerReferences.to(claim))));

    ObjectMeta actual = sandbox.getSpec() == null || sandbox.getSpec().getPodTemplate() == null
        || sandbox.getSpec().getPodTemplate().getMetadata() == null
        ? new ObjectMeta()
        : sandbox.getSpec().getPodTemplate().getMetadata();
    ObjectNode podTemplateMetadata = MAPPER.createObjectNode();
    MergePatches.diff(podTemplateMetadata, "labels", actual.getLabels(), podMetadata.getLabels());
    MergePatches.diff(podTemplateMetadata, "annotations", actual.getAnnotations(), podMetadata.getAnnotations());
    if (!podTemplateMetadata.isEmpty()) {
      root.putObject("spec").putObject("podTemplate").set("metadata", podTemplateMetadata);
    }
    return root.toString();
  }

  /**
   * C8 step 1 (or its undoing with {@code name} null): the claim's assigned-sandbox label. The
   * same patch adds the first-observed annotation (C3) if the claim lacks it, which saves the
   * reconcile a write of its own.
   */
  SandboxClaim label(SandboxClaim claim, String name, Context<SandboxClaim> context) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode metadata = root.putObject("metadata");
    if (!SandboxPods.orEmpty(claim.getMetadata().getAnnotations()).containsKey(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT)) {
      metadata.putObject("annotations").put(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT,
          DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
    }
    ObjectNode labels = metadata.putObject("labels");
    if (name == null) {
      labels.putNull(SandboxKeys.SANDBOX_NAME);
    } else {
      labels.put(SandboxKeys.SANDBOX_NAME, name);
    }
    SandboxClaim written = KubernetesWrites.mergePatch(context.getClient(), SandboxClaim.class,
        claim.getMetadata().getNamespace(), claim.getMetadata().getName(), root.toString());
    KubernetesWrites.cachePrimary(context, written, claim);
    return written;
  }

  private static String label(Sandbox sandbox, String key) {
    Map<String, String> labels = SandboxPods.orEmpty(sandbox.getMetadata().getLabels());
    return labels.get(key);
  }

  private static String templateName(SandboxClaim claim) {
    return claim.getSpec() == null || claim.getSpec().sandboxTemplateRef() == null
        ? null
        : claim.getSpec().sandboxTemplateRef().name();
  }
}
