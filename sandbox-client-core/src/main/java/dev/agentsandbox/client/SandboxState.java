package dev.agentsandbox.client;

import java.util.Objects;

/**
 * What the cluster says about a sandbox right now, from the Ready condition of its Sandbox
 * resource. Judged by the condition's status only; the reason and message are for people (they
 * differ between controller releases).
 *
 * @param phase ready, not ready or not found
 * @param reason the Ready condition's reason; empty when ready or not found
 * @param message the Ready condition's message, or what is missing; empty when ready
 * @since 0.1.0
 */
public record SandboxState(Phase phase, String reason, String message) {
  /**
   * Creates a state.
   *
   * @param phase the phase
   * @param reason the reason, null counts as empty
   * @param message the message, null counts as empty
   * @throws NullPointerException if phase is null
   */
  public SandboxState {
    Objects.requireNonNull(phase, "phase");
    reason = reason == null ? "" : reason;
    message = message == null ? "" : message;
  }

  /**
   * Whether the sandbox can serve requests.
   *
   * @return {@code phase() == Phase.READY}
   */
  public boolean isReady() {
    return phase == Phase.READY;
  }

  /**
   * Where a sandbox stands, by its Ready condition.
   *
   * @since 0.1.0
   */
  public enum Phase {
    /** The Sandbox's Ready condition is True. */
    READY,
    /** The Sandbox exists but is not ready (pod starting or gone, expired, suspended). */
    NOT_READY,
    /** There is no such Sandbox (it was deleted, or its claim was). */
    NOT_FOUND
  }
}
