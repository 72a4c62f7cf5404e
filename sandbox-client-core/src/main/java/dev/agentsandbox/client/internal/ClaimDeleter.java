package dev.agentsandbox.client.internal;

/**
 * Deletes the claim of a sandbox: what a handle needs to terminate it, and its fleet to clean
 * up. Both methods block for one delete call, run even on an interrupted thread (the flag is
 * kept), and count an absent claim as deleted. Implementations are thread-safe.
 */
public interface ClaimDeleter {

  /**
   * Deletes the claim of {@code ref}.
   *
   * @throws dev.agentsandbox.client.SandboxException if the API server refuses or cannot be
   *     reached; its message says how to delete the claim by hand
   */
  void delete(SandboxRef ref);

  /**
   * Deletes the claim of {@code ref}, logging a failure at WARN instead of throwing.
   *
   * @return whether it was deleted
   */
  boolean deleteQuietly(SandboxRef ref);
}
