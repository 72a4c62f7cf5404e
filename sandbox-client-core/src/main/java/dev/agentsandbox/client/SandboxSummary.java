package dev.agentsandbox.client;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A SandboxClaim as {@link SandboxFleet#list(Map)} finds it: enough to pick one and
 * {@link SandboxFleet#attach(String, String) attach} to it.
 *
 * @param claimName the claim's name
 * @param namespace its namespace
 * @param sandboxName the Sandbox serving it; null until the controller assigned one
 * @param ready whether the claim's Ready condition is True
 * @param labels the claim's labels
 * @param createdAt when the API server created the claim ({@link Instant#EPOCH} if unknown)
 * @since 0.1.0
 */
public record SandboxSummary(String claimName, String namespace, @Nullable String sandboxName,
    boolean ready, Map<String, String> labels, Instant createdAt) {
  /**
   * Creates a summary.
   *
   * @param claimName the claim
   * @param namespace its namespace
   * @param sandboxName the sandbox, or null
   * @param ready whether ready
   * @param labels labels; copied
   * @param createdAt creation time
   * @throws NullPointerException if an argument other than sandboxName is null
   */
  public SandboxSummary {
    Objects.requireNonNull(claimName, "claimName");
    Objects.requireNonNull(namespace, "namespace");
    labels = Map.copyOf(labels);
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
