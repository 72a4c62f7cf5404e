package dev.agentsandbox.client.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Reports operations as OpenTelemetry spans, children of whatever span is current. */
public final class OpenTelemetrySpans implements Telemetry {
  /** Instrumentation scope name of the client's spans. */
  public static final String SCOPE = "dev.agentsandbox.client";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Tracer tracer;

  public OpenTelemetrySpans(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer(SCOPE);
  }

  @Override
  public Observation start(String operation, Map<String, String> attributes) {
    SpanBuilder builder = tracer.spanBuilder(operation).setSpanKind(SpanKind.CLIENT);
    attributes.forEach(builder::setAttribute);
    Span span = builder.startSpan();
    Scope scope = span.makeCurrent();
    return new Observation() {
      @Override
      public void attribute(String key, String value) {
        span.setAttribute(key, value);
      }

      @Override
      public void failed(Throwable error) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
      }

      @Override
      public Optional<String> traceContext() {
        Map<String, String> carrier = new LinkedHashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current().with(span), carrier,
            (c, key, value) -> c.put(key, value));
        String traceparent = carrier.get("traceparent");
        if (traceparent == null) {
          return Optional.empty();
        }
        Map<String, String> annotation = new LinkedHashMap<>();
        annotation.put("traceparent", traceparent);
        annotation.put("tracestate", carrier.getOrDefault("tracestate", ""));
        try {
          return Optional.of(JSON.writeValueAsString(annotation));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("cannot encode a trace context", e);
        }
      }

      @Override
      public void close() {
        scope.close();
        span.end();
      }
    };
  }
}
