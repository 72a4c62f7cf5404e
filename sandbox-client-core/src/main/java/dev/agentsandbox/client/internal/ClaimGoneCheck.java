package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxGoneException;
import java.util.Optional;

/**
 * Tells whether the claim of a ready sandbox is gone after a call to the sandbox failed: the
 * router's 502 cannot say whether the sandbox was deleted. Blocks for one read of the claim;
 * implementations are thread-safe.
 */
@FunctionalInterface
public interface ClaimGoneCheck {

  /**
   * Whether the claim of {@code ref} is deleted, being deleted, or failed for good (expired).
   * What the read shows of a replaced pod is told to {@code restarts}.
   *
   * @param failure the failure of the call, kept as the cause
   * @return the exception to report instead of {@code failure}; empty when the claim is still
   *     there or cannot be read
   */
  Optional<SandboxGoneException> gone(SandboxRef ref, SandboxException failure,
      RestartTracker restarts);
}
