package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.client.ReferenceController.Release;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Spans, the trace-context annotation and timers; and the client without those libraries. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ObservabilityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeCluster cluster;
  private FakeRouter router;
  private InMemorySpanExporter spans;
  private OpenTelemetrySdk openTelemetry;
  private SimpleMeterRegistry meters;

  @BeforeEach
  void start() throws Exception {
    cluster = new FakeCluster();
    cluster.referenceController(Release.V0_4);
    router = new FakeRouter();
    spans = InMemorySpanExporter.create();
    openTelemetry = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    meters = new SimpleMeterRegistry();
  }

  @AfterEach
  void stop() throws Exception {
    openTelemetry.close();
    meters.close();
    router.close();
    cluster.close();
  }

  private SandboxFleet fleet() {
    return SandboxFleet.builder().kubernetesClient(cluster.client).connection(router.mode())
        .tracing(SandboxTracing.openTelemetry(openTelemetry))
        .metrics(SandboxMetrics.micrometer(meters))
        .build();
  }

  @Test
  void operationsAreSpansUnderTheCallersSpanAndTheClaimCarriesTheTraceContext() throws Exception {
    Span parent = openTelemetry.getTracer("test").spanBuilder("agent step").startSpan();
    String claimName;
    try (Scope ignored = parent.makeCurrent(); SandboxFleet fleet = fleet()) {
      Sandbox sandbox = fleet.create(SandboxOptions.ofTemplate(ReferenceController.TEMPLATE));
      claimName = sandbox.claimName();
      SandboxClaim claim = cluster.client.resources(SandboxClaim.class).inNamespace("default")
          .withName(claimName).get();
      JsonNode traceContext = JSON.readTree(
          claim.getMetadata().getAnnotations().get(SandboxKeys.TRACE_CONTEXT));

      sandbox.commands().run("echo secret-token-123");
      sandbox.files().write("a.txt", "content");
      sandbox.terminate();

      Map<String, SpanData> byName = spans.getFinishedSpanItems().stream()
          .collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
      SpanData create = byName.get("sandbox.create");
      assertEquals(parent.getSpanContext().getSpanId(), create.getParentSpanId());
      for (String child : List.of("sandbox.claim.create", "sandbox.claim.wait", "sandbox.connect")) {
        assertEquals(create.getSpanId(), byName.get(child).getParentSpanId(), child);
      }
      assertTrue(traceContext.get("traceparent").asText()
          .startsWith("00-" + create.getTraceId() + "-" + create.getSpanId() + "-"),
          traceContext.toString());
      assertTrue(traceContext.has("tracestate"));
      assertEquals(claimName, create.getAttributes().asMap().entrySet().stream()
          .filter(e -> e.getKey().getKey().equals("sandbox.claim")).findFirst().orElseThrow()
          .getValue());
      SpanData run = byName.get("sandbox.run");
      assertEquals(parent.getSpanContext().getTraceId(), run.getTraceId());
      assertTrue(byName.containsKey("sandbox.files.write"));
      assertTrue(byName.containsKey("sandbox.terminate"));
      for (SpanData span : spans.getFinishedSpanItems()) {
        assertFalse(span.getAttributes().toString().contains("secret-token-123"),
            "commands are not recorded");
        assertFalse(span.getAttributes().toString().contains("content"), "nor file contents");
      }
    } finally {
      parent.end();
    }

    Timer runs = meters.find("agentsandbox.client.operations").tag("operation", "sandbox.run")
        .tag("outcome", "success").timer();
    assertEquals(1, runs.count());
    assertEquals(1, meters.find("agentsandbox.client.operations")
        .tag("operation", "sandbox.create").timer().count());
  }

  @Test
  void failuresAreMarkedOnSpansAndTimers() {
    try (SandboxFleet fleet = fleet()) {
      assertThrows(TemplateNotFoundException.class,
          () -> fleet.create(SandboxOptions.ofTemplate("no-such-template")));
    }

    SpanData create = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals("sandbox.create")).findFirst().orElseThrow();
    assertEquals(io.opentelemetry.api.trace.StatusCode.ERROR, create.getStatus().getStatusCode());
    assertEquals(1, meters.find("agentsandbox.client.operations").tag("operation", "sandbox.create")
        .tag("outcome", "error").tag("exception", "TemplateNotFoundException").timer().count());
  }

  @Test
  void clientWorksWithoutOpenTelemetryAndMicrometerOnTheClassPath() throws Exception {
    List<URL> urls = new ArrayList<>();
    String classPath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      if (!entry.contains("opentelemetry") && !entry.contains("micrometer")
          && !entry.contains("HdrHistogram") && !entry.contains("LatencyUtils")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    try (URLClassLoader withoutThem = new URLClassLoader(urls.toArray(URL[]::new),
        ClassLoader.getPlatformClassLoader())) {
      @SuppressWarnings("unchecked")
      Callable<String> probe = (Callable<String>) withoutThem
          .loadClass(WithoutObservabilityProbe.class.getName()).getDeclaredConstructor()
          .newInstance();

      // Libraries find their service implementations through the context class loader.
      Thread thread = Thread.currentThread();
      ClassLoader previous = thread.getContextClassLoader();
      thread.setContextClassLoader(withoutThem);
      try {
        assertEquals("default/python-pool-", probe.call());
      } finally {
        thread.setContextClassLoader(previous);
      }
    }
  }
}
