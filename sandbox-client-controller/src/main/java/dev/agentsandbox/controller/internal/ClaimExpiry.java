package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a claim's life (spec C12): when it expires, and what happens then. The first
 * expired reconcile only marks the claim; the next one deletes the claim (Delete,
 * DeleteForeground) or only its Sandbox (Retain).
 */
final class ClaimExpiry {
  static final String REASON_EXPIRED = "ClaimExpired";
  static final String MESSAGE_CLEANUP = "Claim expired. Sandbox cleanup initiated.";
  /** The pause between marking a claim expired and acting on it. */
  static final Duration AFTER_MARK = Duration.ofMillis(1);
  private static final Logger log = LoggerFactory.getLogger(ClaimExpiry.class);

  private final ClaimEvents events;

  ClaimExpiry(ClaimEvents events) {
    this.events = events;
  }

  /**
   * What one expired reconcile did.
   *
   * @param sandbox the Sandbox still serving the claim, to mirror in its status, or null
   * @param claimDeleted whether the claim was deleted (nothing more to do)
   * @param marked whether this reconcile only marked the claim expired (requeue soon)
   */
  record Outcome(Sandbox sandbox, boolean claimDeleted, boolean marked) {
  }

  /**
   * C12: the instant the claim expires: the earlier of its shutdown time and the end of its
   * ttlSecondsAfterFinished, counted from the transition of its Finished condition to True.
   * Empty without a lifecycle, or when neither applies yet.
   */
  static Optional<Instant> expireAt(SandboxClaim claim) {
    return expireAt(claim, claim.getStatus());
  }

  /** Like {@link #expireAt(SandboxClaim)}, with {@code status} in place of the claim's own. */
  static Optional<Instant> expireAt(SandboxClaim claim, SandboxClaimStatus status) {
    Lifecycle lifecycle = claim.getSpec() == null ? null : claim.getSpec().lifecycle();
    if (lifecycle == null) {
      return Optional.empty();
    }
    Optional<Instant> shutdown = SandboxExpiry.parseTime(lifecycle.shutdownTime());
    Optional<Instant> afterFinished = Optional.empty();
    if (lifecycle.ttlSecondsAfterFinished() != null && status != null) {
      afterFinished = status.condition(SandboxKeys.CONDITION_FINISHED)
          .filter(c -> "True".equals(c.getStatus()))
          .flatMap(c -> SandboxExpiry.parseTime(c.getLastTransitionTime()))
          .map(t -> t.plusSeconds(lifecycle.ttlSecondsAfterFinished()));
    }
    return Stream.of(shutdown, afterFinished).flatMap(Optional::stream).min(Instant::compareTo);
  }

  /** Whether the claim has expired at {@code now}. */
  static boolean expired(SandboxClaim claim, Instant now) {
    return expireAt(claim).map(t -> !now.isBefore(t)).orElse(false);
  }

  /** C12/X3: the requeue of a claim that expires at {@code expireAt}: exactly the time left. */
  static Duration requeueAfter(Instant now, Instant expireAt) {
    Duration left = Duration.between(now, expireAt);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** The shutdown policy; unset means Retain. */
  static String policy(SandboxClaim claim) {
    Lifecycle lifecycle = claim.getSpec() == null ? null : claim.getSpec().lifecycle();
    String policy = lifecycle == null ? null : lifecycle.shutdownPolicy();
    return policy == null || policy.isEmpty() ? Lifecycle.POLICY_RETAIN : policy;
  }

  /** Whether an earlier reconcile has marked the claim expired. */
  static boolean marked(SandboxClaim claim) {
    return claim.getStatus() != null && claim.getStatus().condition(SandboxKeys.CONDITION_READY)
        .map(c -> REASON_EXPIRED.equals(c.getReason()))
        .orElse(false);
  }

  /** The Sandbox an expired claim cleans up: the one in its status, else the one named after it. */
  static String sandboxName(SandboxClaim claim) {
    ClaimedSandbox claimed = claim.getStatus() == null ? null : claim.getStatus().sandbox();
    return claimed != null && claimed.name() != null && !claimed.name().isEmpty()
        ? claimed.name()
        : claim.getMetadata().getName();
  }

  /** C10: the failure of an expired claim whose Sandbox belongs to someone else; not retried. */
  static ReconcileFailure notOwned(String sandbox, String claim) {
    return ReconcileFailure.permanent(REASON_EXPIRED, "Claim expired. sandbox not owned by this claim: sandbox \""
        + sandbox + "\" is not owned by claim \"" + claim + "\"; deletion skipped.");
  }

  /**
   * Acts on an expired claim.
   *
   * @param sandboxes looks a Sandbox of the claim's namespace up by name
   * @throws ReconcileFailure {@link #notOwned} when a Retain claim's Sandbox is not its own
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when a delete fails
   */
  Outcome expire(SandboxClaim claim, KubernetesClient client, Function<String, Optional<Sandbox>> sandboxes) {
    String namespace = claim.getMetadata().getNamespace();
    String name = sandboxName(claim);
    Sandbox sandbox = sandboxes.apply(name).orElse(null);
    boolean controlled = sandbox != null && ControllerReferences.isControlledBy(sandbox, claim);
    if (!marked(claim)) {
      // The cache can lag behind this controller's own mark: the API server decides whether the
      // expiry is news, so that it is announced once.
      SandboxClaim live = client.resources(SandboxClaim.class).inNamespace(namespace)
          .withName(claim.getMetadata().getName()).get();
      if (live == null) {
        return new Outcome(null, true, false);
      }
      if (!marked(live)) {
        log.info("SandboxClaim {}/{} expired", namespace, claim.getMetadata().getName());
        events.claimExpired(client, claim);
        return new Outcome(controlled ? sandbox : null, false, true);
      }
      claim = live;
    }
    String policy = policy(claim);
    if (Lifecycle.POLICY_DELETE.equals(policy) || Lifecycle.POLICY_DELETE_FOREGROUND.equals(policy)) {
      // A repeated reconcile finds nothing left to delete and announces nothing.
      boolean deleted = !client.resources(SandboxClaim.class).inNamespace(namespace)
          .withName(claim.getMetadata().getName())
          .withPropagationPolicy(Lifecycle.POLICY_DELETE_FOREGROUND.equals(policy)
              ? DeletionPropagation.FOREGROUND
              : DeletionPropagation.BACKGROUND)
          .delete()
          .isEmpty();
      if (deleted) {
        events.deletingClaim(client, claim, policy);
        log.info("Deleted expired SandboxClaim {}/{} (policy {})", namespace, claim.getMetadata().getName(), policy);
      }
      return new Outcome(null, true, false);
    }
    if (sandbox == null) {
      return new Outcome(null, false, false);
    }
    if (!controlled) {
      throw notOwned(name, claim.getMetadata().getName());
    }
    if (!sandbox.isMarkedForDeletion()) {
      client.resources(Sandbox.class).inNamespace(namespace).withName(name).delete();
      log.info("Deleted Sandbox {}/{} of expired claim {}", namespace, name, claim.getMetadata().getName());
    }
    // Mirrored until its deletion is observed; then status.sandbox is cleared.
    return new Outcome(sandbox, false, false);
  }
}
