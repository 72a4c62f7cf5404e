package dev.agentsandbox.client;

import java.util.Objects;

/**
 * What the cluster says about a sandbox right now, from the Ready condition of its Sandbox
 * resource. Judged by the condition's status only; the reason and message are for people (they
 * differ between controller releases).
 *
 * @param state ready, not ready or not found
 * @param reason the Ready condition's reason; empty when ready or not found
 * @param message the Ready condition's message, or what is missing; empty when ready
 * @since 0.1.0
 */
public record SandboxStatus(State state, String reason, String message) {
  /**
   * Creates a status.
   *
   * @param state the state
   * @param reason the reason, null counts as empty
   * @param message the message, null counts as empty
   * @throws NullPointerException if state is null
   */
  public SandboxStatus {
    Objects.requireNonNull(state, "state");
    reason = reason == null ? "" : reason;
    message = message == null ? "" : message;
  }

  /**
   * Whether the sandbox can serve requests.
   *
   * @return {@code state() == State.READY}
   */
  public boolean isReady() {
    return state == State.READY;
  }

  /**
   * The states of a sandbox.
   *
   * @since 0.1.0
   */
  public enum State {
    /** The Sandbox's Ready condition is True. */
    READY,
    /** The Sandbox exists but is not ready (pod starting or gone, expired, suspended). */
    NOT_READY,
    /** There is no such Sandbox (it was deleted, or its claim was). */
    NOT_FOUND
  }
}
