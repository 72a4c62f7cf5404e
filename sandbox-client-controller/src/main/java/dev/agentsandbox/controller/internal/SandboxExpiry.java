package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/** When a Sandbox expires and what its status looks like then, as pure functions (spec S14, S15). */
final class SandboxExpiry {
  static final String REASON_EXPIRED = "SandboxExpired";
  static final String MESSAGE_EXPIRED = "Sandbox has expired";
  /** The pause between marking a Sandbox expired and cleaning it up. */
  static final Duration AFTER_MARK = Duration.ofMillis(1);
  /** The shortest requeue before expiry. */
  static final Duration MIN_REQUEUE = Duration.ofSeconds(2);

  private SandboxExpiry() {
  }

  /** The Sandbox's {@code spec.shutdownTime}, if set and readable. */
  static Optional<Instant> shutdownTime(Sandbox sandbox) {
    SandboxSpec spec = sandbox.getSpec();
    return parseTime(spec == null ? null : spec.getShutdownTime());
  }

  /** Whether the Sandbox has reached its shutdown time at {@code now}. */
  static boolean expired(Sandbox sandbox, Instant now) {
    return shutdownTime(sandbox).map(t -> !now.isBefore(t)).orElse(false);
  }

  /** S15: the requeue before expiry: the time left, but at least two seconds. */
  static Duration requeueAfter(Instant now, Instant shutdownTime) {
    Duration left = Duration.between(now, shutdownTime);
    return left.compareTo(MIN_REQUEUE) < 0 ? MIN_REQUEUE : left;
  }

  /** Whether the first expiry step (S14.1) has already been recorded in the status. */
  static boolean marked(Sandbox sandbox) {
    SandboxStatus status = sandbox.getStatus();
    return status != null && status.condition(SandboxKeys.CONDITION_READY)
        .map(c -> REASON_EXPIRED.equals(c.getReason()))
        .orElse(false);
  }

  /** S14.1: the current status with Ready set to False, SandboxExpired. */
  static SandboxStatus markedStatus(Sandbox sandbox, Instant now) {
    SandboxStatus old = sandbox.getStatus() == null ? SandboxStatusCalculation.NO_STATUS : sandbox.getStatus();
    List<Condition> conditions = new ConditionList(old.conditions(), now)
        .set(SandboxKeys.CONDITION_READY, "False", REASON_EXPIRED, MESSAGE_EXPIRED, sandbox.getMetadata().getGeneration())
        .toList();
    return new SandboxStatus(conditions, old.podIPs(), old.selector(), old.service(), old.replicas(),
        old.serviceFQDN());
  }

  /** S14, Retain: a status reduced to its conditions (Ready stays SandboxExpired, Finished is kept). */
  static SandboxStatus retainedStatus(Sandbox sandbox) {
    return new SandboxStatus(sandbox.getStatus() == null ? null : sandbox.getStatus().conditions(),
        null, null, null, null, null);
  }

  /** Whether the expired Sandbox itself is deleted: only with policy Delete (S1: unset means Retain). */
  static boolean deletesSandbox(Sandbox sandbox) {
    return sandbox.getSpec() != null && SandboxSpec.SHUTDOWN_DELETE.equals(sandbox.getSpec().getShutdownPolicy());
  }

  /** An RFC 3339 time, or empty when absent or unreadable. */
  static Optional<Instant> parseTime(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(value).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
