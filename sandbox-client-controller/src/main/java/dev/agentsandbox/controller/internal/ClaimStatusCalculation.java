package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.Optional;

/**
 * The status a claim should have after one reconcile (spec C9-C11).
 *
 * @param claim the claim as read at the start of the reconcile
 * @param sandbox the Sandbox serving it, or null
 * @param missingTemplate the name of the template that was not found, or null
 * @param failure the error of this reconcile, or null
 * @param expired whether the claim has reached its expiry (C12)
 */
record ClaimStatusCalculation(SandboxClaim claim, Sandbox sandbox, String missingTemplate, ReconcileFailure failure,
    boolean expired) {

  static final String REASON_TEMPLATE_NOT_FOUND = "TemplateNotFound";
  static final String REASON_ERROR = "ReconcilerError";
  static final String REASON_SANDBOX_MISSING = "SandboxMissing";
  static final String REASON_SANDBOX_NOT_READY = "SandboxNotReady";
  static final String REASON_SANDBOX_EXPIRED = "SandboxExpired";

  /** The status of a claim that has not expired. */
  ClaimStatusCalculation(SandboxClaim claim, Sandbox sandbox, String missingTemplate, ReconcileFailure failure) {
    this(claim, sandbox, missingTemplate, failure, false);
  }

  /** Computes the new status; {@code now} stamps changed conditions. */
  SandboxClaimStatus compute(Instant now) {
    SandboxClaimStatus old = claim.getStatus() == null ? new SandboxClaimStatus(null, null) : claim.getStatus();
    Long generation = claim.getMetadata().getGeneration();
    ConditionList conditions = new ConditionList(old.conditions(), now);
    Sandbox found = failure == null ? sandbox : null;
    SandboxStatus sandboxStatus = found == null || found.getStatus() == null
        ? SandboxStatusCalculation.NO_STATUS : found.getStatus();
    Optional<Condition> sandboxReady = sandboxStatus.condition(SandboxKeys.CONDITION_READY);
    String ready = SandboxKeys.CONDITION_READY;

    if (missingTemplate != null) {
      conditions.set(ready, "False", REASON_TEMPLATE_NOT_FOUND,
          "SandboxTemplate \"" + missingTemplate + "\" not found", generation);
    } else if (failure != null && failure.reason() != null) {
      conditions.set(ready, "False", failure.reason(), failure.getMessage(), generation);
    } else if (failure != null) {
      conditions.set(ready, "False", REASON_ERROR, "Error seen: " + failure.getMessage(), generation);
    } else if (expired) {
      conditions.set(ready, "False", ClaimExpiry.REASON_EXPIRED, ClaimExpiry.MESSAGE_CLEANUP, generation);
    } else if (found == null) {
      conditions.set(ready, "False", REASON_SANDBOX_MISSING, "Sandbox does not exist", generation);
    } else if (sandboxReady.map(c -> REASON_SANDBOX_EXPIRED.equals(c.getReason())).orElse(false)) {
      conditions.set(ready, "False", REASON_SANDBOX_EXPIRED,
          "Underlying Sandbox resource has expired independently of the Claim.", generation);
    } else if (sandboxReady.isPresent()) {
      conditions.put(sandboxReady.get());
    } else {
      conditions.set(ready, "False", REASON_SANDBOX_NOT_READY, "Sandbox is not ready", generation);
    }

    Optional<Condition> finished = sandboxStatus.condition(SandboxKeys.CONDITION_FINISHED);
    if (finished.isPresent()) {
      conditions.put(finished.get());
    } else if (found != null || !expired) {
      // An expired claim keeps its Finished condition: its ttlSecondsAfterFinished counts from it.
      conditions.remove(SandboxKeys.CONDITION_FINISHED);
    }

    return new SandboxClaimStatus(conditions.toList(), found == null ? null
        : new ClaimedSandbox(found.getMetadata().getName(), sandboxStatus.podIPs()));
  }
}
