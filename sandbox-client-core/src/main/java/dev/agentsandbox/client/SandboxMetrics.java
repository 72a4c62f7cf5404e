package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.MicrometerTimers;
import dev.agentsandbox.client.internal.Telemetry;
import java.util.Objects;

/**
 * Micrometer metrics for a {@link SandboxFleet}: the timer
 * {@code agentsandbox.client.operations}, tagged {@code operation} ({@code sandbox.create},
 * {@code sandbox.claim.wait}, {@code sandbox.run}, {@code sandbox.files.read}, ...),
 * {@code outcome} ({@code success} or {@code error}) and {@code exception} (the exception's
 * simple class name, or {@code none}).
 *
 * <p>Micrometer is an optional dependency: add {@code io.micrometer:micrometer-core} to use this
 * class. The rest of the client works without it.
 *
 * <pre>{@code
 * SandboxFleet fleet = SandboxFleet.builder()
 *     .metrics(SandboxMetrics.micrometer(meterRegistry))
 *     .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SandboxMetrics {
  private final Telemetry telemetry;

  private SandboxMetrics(Telemetry telemetry) {
    this.telemetry = telemetry;
  }

  /**
   * Records timers in the given registry.
   *
   * @param registry where to register the timers
   * @return the metrics to pass to {@link SandboxFleet.Builder#metrics(SandboxMetrics)}
   */
  public static SandboxMetrics micrometer(io.micrometer.core.instrument.MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    return new SandboxMetrics(new MicrometerTimers(registry));
  }

  Telemetry telemetry() {
    return telemetry;
  }
}
