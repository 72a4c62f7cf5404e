package dev.agentsandbox.client.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;

/**
 * Reports operations as the Micrometer timer {@value #TIMER}, tagged with the operation, its
 * outcome and the exception's simple class name. Claim and sandbox names are not tags: they
 * would make one time series per sandbox.
 */
public final class MicrometerTimers implements Telemetry {
  /** Name of the timer. */
  public static final String TIMER = "agentsandbox.client.operations";

  private final MeterRegistry registry;

  public MicrometerTimers(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Observation start(String operation, Map<String, String> attributes) {
    Timer.Sample sample = Timer.start(registry);
    return new Observation() {
      private Throwable error;

      @Override
      public void failed(Throwable error) {
        this.error = error;
      }

      @Override
      public void close() {
        sample.stop(Timer.builder(TIMER)
            .description("Operations of the agent-sandbox client")
            .tag("operation", operation)
            .tag("outcome", error == null ? "success" : "error")
            .tag("exception", error == null ? "none" : error.getClass().getSimpleName())
            .register(registry));
      }
    };
  }
}
