package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.WarmPool;
import java.time.Instant;

/**
 * One claim to create: its name and namespace, what the user asked for, when, and the trace
 * context to pass on.
 *
 * @param traceContext JSON for the {@code opentelemetry.io/trace-context} annotation, or null
 */
public record ClaimRequest(String name, String namespace, SandboxOptions options,
    Instant requestedAt, String traceContext) {

  /** The template, or null. */
  String templateName() {
    return options.templateName().orElse(null);
  }

  /** The named warm pool, or null. */
  String warmPoolName() {
    return options.warmPool().flatMap(WarmPool::name).orElse(null);
  }
}
