package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The agent-sandbox metrics the reconcilers report (the reference controller's names, spec X8).
 * Every method is cheap and never throws; {@link #NOOP} records nothing.
 */
public interface ControllerMetrics {
  /** Records nothing. */
  ControllerMetrics NOOP = new ControllerMetrics() {
  };

  /** Counts {@code agent_sandboxes} from this view of the Sandbox cache, read when scraped. */
  default void countSandboxes(Supplier<Stream<Sandbox>> sandboxes) {
  }

  /**
   * A Sandbox reconcile computed {@code next} as the new status: records
   * {@code agent_sandbox_creation_latency_ms} when Ready turns True.
   */
  default void sandboxStatus(Sandbox sandbox, SandboxStatus next) {
  }

  /** The claim controller created {@code sandbox} for {@code claim}: {@code agent_sandbox_claim_creation_total}. */
  default void claimSandboxCreated(SandboxClaim claim, Sandbox sandbox) {
  }

  /**
   * A claim reconcile computed {@code next} as the new status: records
   * {@code agent_sandbox_claim_startup_latency_ms} and
   * {@code agent_sandbox_claim_controller_startup_latency_ms} when Ready turns True.
   */
  default void claimStatus(SandboxClaim claim, SandboxClaimStatus next) {
  }
}
