package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.OpenTelemetrySpans;
import dev.agentsandbox.client.internal.Telemetry;
import java.util.Objects;

/**
 * OpenTelemetry tracing for a {@link SandboxFleet}: a span for each sandbox creation (with
 * children for the claim's creation, the wait for readiness and the connection), attach,
 * command, file operation and termination, as children of the caller's current span. New claims
 * carry the creation span's W3C trace context in the annotation
 * {@code opentelemetry.io/trace-context}, so a controller started with tracing continues the
 * trace. Spans carry claim, sandbox, namespace and template names, never commands or file
 * contents.
 *
 * <p>OpenTelemetry is an optional dependency: add {@code io.opentelemetry:opentelemetry-api}
 * to use this class. The rest of the client works without it.
 *
 * <pre>{@code
 * SandboxFleet fleet = SandboxFleet.builder()
 *     .tracing(SandboxTracing.openTelemetry(GlobalOpenTelemetry.get()))
 *     .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SandboxTracing {
  private final Telemetry telemetry;

  private SandboxTracing(Telemetry telemetry) {
    this.telemetry = telemetry;
  }

  /**
   * Traces with the given OpenTelemetry instance (instrumentation scope
   * {@code dev.agentsandbox.client}).
   *
   * @param openTelemetry the instance to get a tracer from
   * @return the tracing to pass to {@link SandboxFleet.Builder#tracing(SandboxTracing)}
   */
  public static SandboxTracing openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new SandboxTracing(new OpenTelemetrySpans(openTelemetry));
  }

  Telemetry telemetry() {
    return telemetry;
  }
}
