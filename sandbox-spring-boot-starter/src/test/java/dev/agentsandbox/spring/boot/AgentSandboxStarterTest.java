package dev.agentsandbox.spring.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter in a Spring Boot application on the test kit's embedded cluster: an injected
 * fleet, a Spring AI tool callback, the health indicator, and sandboxes deleted when the
 * application stops.
 */
@SandboxTest
@SandboxTemplate(name = "python-runtime")
@SpringBootTest(classes = AgentSandboxStarterTest.App.class, properties = {
    "agent-sandbox.template=python-runtime",
    "agent-sandbox.namespace=default",
    "agent-sandbox.retry.max-attempts=2"})
class AgentSandboxStarterTest {
  /** The test kit's cluster, for the whole class. */
  static LocalSandboxCluster cluster;

  @Autowired
  SandboxFleet fleet;
  @Autowired
  ToolCallbackProvider tools;
  @Autowired
  SandboxAiTools aiTools;
  @Autowired
  AgentSandboxHealthIndicator health;
  @Autowired
  AgentSandboxProperties properties;
  @Autowired
  MeterRegistry meters;

  @DynamicPropertySource
  static void clusterProperties(DynamicPropertyRegistry registry) {
    registry.add("agent-sandbox.connection.router-token", () -> cluster.routerAuthToken());
  }

  /** An application: the starter's auto-configuration, the cluster's Kubernetes client. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean(destroyMethod = "")
    KubernetesClient kubernetesClient() {
      return cluster.client();
    }
  }

  @Test
  void runsACommandThroughTheInjectedFleet() {
    Sandbox sandbox = fleet.create(SandboxOptions.ofTemplate("python-runtime"));
    try {
      ExecutionResult result = sandbox.commands().run("echo hello from spring");
      assertEquals("hello from spring\n", result.stdout());
    } finally {
      sandbox.terminate();
    }
    // The application's meter registry got the fleet's timers.
    assertTrue(meters.find("agentsandbox.client.operations").timers().stream()
        .anyMatch(t -> t.count() > 0), () -> meters.getMeters().toString());
  }

  @Test
  void runsACommandThroughASpringAiToolCallback() {
    ToolCallback execute = Arrays.stream(tools.getToolCallbacks())
        .filter(t -> t.getToolDefinition().name().equals("execute_command")).findFirst()
        .orElseThrow();
    assertEquals(List.of("execute_command", "list_files", "read_file", "write_file"),
        Arrays.stream(tools.getToolCallbacks()).map(t -> t.getToolDefinition().name()).sorted()
            .toList());
    assertTrue(execute.getToolDefinition().inputSchema().contains("\"command\""),
        execute.getToolDefinition().inputSchema());

    String answer = execute.call("{\"command\": \"sh -c 'echo $((6 * 7))'\"}");
    assertTrue(answer.contains("\"exitCode\":0") && answer.contains("\"stdout\":\"42\\n\""), answer);

    ToolCallback read = Arrays.stream(tools.getToolCallbacks())
        .filter(t -> t.getToolDefinition().name().equals("read_file")).findFirst().orElseThrow();
    String missing = read.call("{\"path\": \"missing.txt\"}");
    assertTrue(missing.contains("\"error\":\""), missing);
  }

  @Test
  void eachConversationOfTheToolContextHasItsOwnSandbox() {
    assertEquals(ChatMemory.CONVERSATION_ID, SandboxAiTools.CONVERSATION_ID, "chat memory's key");
    ToolCallback write = callback("write_file");
    ToolCallback read = callback("read_file");
    ToolContext alice = new ToolContext(Map.of(ChatMemory.CONVERSATION_ID, "alice"));
    ToolContext bob = new ToolContext(Map.of(SandboxAiTools.CONVERSATION_ID, "bob"));

    String written = write.call("{\"path\": \"note.txt\", \"content\": \"for alice\"}", alice);
    assertTrue(written.contains("\"bytes\":9"), written);
    String own = read.call("{\"path\": \"note.txt\"}", alice);
    assertTrue(own.contains("\"content\":\"for alice\""), own);
    String other = read.call("{\"path\": \"note.txt\"}", bob);
    assertTrue(other.contains("\"error\":\"") && !other.contains("for alice"), other);

    assertTrue(aiTools.conversations().containsAll(List.of("alice", "bob")), aiTools.conversations()::toString);
    String aliceClaim = aiTools.sandbox("alice").claimName();
    assertTrue(aiTools.release("alice"));
    assertFalse(aiTools.conversations().contains("alice"));
    assertTrue(fleet.list(Map.of()).stream().noneMatch(s -> s.claimName().equals(aliceClaim)),
        "a released conversation's sandbox is deleted");
    String fresh = read.call("{\"path\": \"note.txt\"}", alice);
    assertTrue(fresh.contains("\"error\":\""), "a released conversation starts afresh: " + fresh);
    aiTools.release("alice");
    aiTools.release("bob");
  }

  private ToolCallback callback(String name) {
    return Arrays.stream(tools.getToolCallbacks())
        .filter(t -> t.getToolDefinition().name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void bindsThePropertiesAndReportsHealth() {
    assertEquals("python-runtime", properties.template());
    assertEquals(2, properties.retry().maxAttempts());
    assertEquals(Duration.ofMinutes(30), properties.conversationIdleTimeout());
    assertEquals("tunnel", properties.connection().mode());
    Health status = health.health(true);
    assertEquals(Status.UP, status.getStatus(), status::toString);
    assertEquals("default", status.getDetails().get("namespace"));
  }

  @Test
  void stoppingTheApplicationDeletesItsSandboxes() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(AgentSandboxAutoConfiguration.class))
        .withBean(KubernetesClient.class, () -> cluster.client(), d -> d.setDestroyMethodName(""))
        .withPropertyValues("agent-sandbox.namespace=default",
            "agent-sandbox.connection.router-token=" + cluster.routerAuthToken())
        .run(context -> {
          SandboxFleet own = context.getBean(SandboxFleet.class);
          own.create(SandboxOptions.ofTemplate("python-runtime"));
          assertEquals(1, own.list(Map.of()).size());
        });
    try (SandboxFleet observer = SandboxFleet.builder().kubernetesClient(cluster.client())
        .connection(cluster.tunnel()).build()) {
      assertFalse(observer.list(Map.of()).stream().findAny().isPresent(),
          "the sandbox is deleted when the context closes");
    }
  }

  @Test
  void theApplicationsOpenTelemetryGetsTheFleetsSpans() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .build();
    try {
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(AgentSandboxAutoConfiguration.class))
          .withBean(KubernetesClient.class, () -> cluster.client(), d -> d.setDestroyMethodName(""))
          .withBean(OpenTelemetry.class, () -> openTelemetry, d -> d.setDestroyMethodName(""))
          .withPropertyValues("agent-sandbox.namespace=default",
              "agent-sandbox.connection.router-token=" + cluster.routerAuthToken())
          .run(context -> {
            Sandbox sandbox = context.getBean(SandboxFleet.class)
                .create(SandboxOptions.ofTemplate("python-runtime"));
            sandbox.commands().run("true");
          });
      List<String> names = spans.getFinishedSpanItems().stream().map(SpanData::getName).toList();
      assertTrue(names.contains("sandbox.create"), names::toString);
      assertTrue(names.stream().anyMatch(n -> n.startsWith("sandbox.run")), names::toString);
    } finally {
      openTelemetry.close();
    }
  }

  @Test
  void aBadConnectionModeStopsTheApplicationWithItsName() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(AgentSandboxAutoConfiguration.class))
        .withBean(KubernetesClient.class, () -> cluster.client(), d -> d.setDestroyMethodName(""))
        .withPropertyValues("agent-sandbox.connection.mode=carrier-pigeon")
        .run(context -> {
          assertTrue(context.getStartupFailure() != null);
          Throwable cause = context.getStartupFailure();
          while (cause.getCause() != null) {
            cause = cause.getCause();
          }
          assertTrue(cause.getMessage().contains("agent-sandbox.connection.mode must be tunnel"),
              cause.getMessage());
        });
  }
}
