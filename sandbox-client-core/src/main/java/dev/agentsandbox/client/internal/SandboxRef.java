package dev.agentsandbox.client.internal;

/**
 * Which sandbox a client talks to; carried into exceptions.
 *
 * @param claimName the SandboxClaim
 * @param namespace its namespace
 * @param sandboxName the Sandbox serving it (routing key), null before it is known
 */
public record SandboxRef(String claimName, String namespace, String sandboxName) {
}
