package dev.agentsandbox.controller;

import static dev.agentsandbox.controller.ClusterFixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.controller.internal.EndpointServer;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The program's probe and metrics endpoints, over real HTTP on loopback (spec X8). */
class ControllerEndpointsTest {
  private static MockCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = new MockCluster();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private record Response(int statusCode, String body) {
  }

  @Test
  void X8_metricsCarryTheReferenceNamesAndProbesFollowTheController() throws Exception {
    ControllerFlags flags = ControllerFlags.parse(new String[] {"--leader-elect=false", "--extensions",
        "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0"}, Map.of());
    InetSocketAddress metrics;
    InetSocketAddress health;
    try (SandboxControllerMain.Running running = SandboxControllerMain.start(flags, cluster.server::createClient)) {
      health = running.servers().get(0).address();
      metrics = running.servers().get(1).address();
      assertEquals(200, get(health, "/healthz").statusCode());
      assertEquals(200, get(health, "/readyz").statusCode(), "ready once the caches are synced");
      assertEquals(404, get(health, "/metrics").statusCode());

      ClusterFixtures.template(cluster.client, "metrics", "python");
      ClusterFixtures.claim(cluster.client, "metrics", "claim", "python");
      await(cluster.client, Pod.class, "metrics", "claim", p -> true);
      ClusterFixtures.podReady(cluster.client, "metrics", "claim");
      await(cluster.client, SandboxClaim.class, "metrics", "claim",
          c -> c.getStatus() != null && ClusterFixtures.ready(c.getStatus().conditions()));
      await(cluster.client, Sandbox.class, "metrics", "claim",
          s -> s.getStatus() != null && ClusterFixtures.ready(s.getStatus().conditions()));

      Response scrape = get(metrics, "/metrics");
      assertEquals(200, scrape.statusCode());
      String body = scrape.body();
      assertTrue(body.contains("agent_sandbox_build_info{"), body);
      assertTrue(body.contains("agent_sandbox_claim_creation_total{launch_type=\"cold\",namespace=\"metrics\","
          + "pod_condition=\"not_ready\",sandbox_template=\"python\",warmpool_name=\"none\"} 1.0"), body);
      assertTrue(body.contains("agent_sandbox_claim_startup_latency_ms_count{launch_type=\"cold\","
          + "sandbox_template=\"python\"} 1"), body);
      assertTrue(body.contains("agent_sandbox_claim_controller_startup_latency_ms_bucket{"), body);
      assertTrue(body.contains("agent_sandbox_creation_latency_ms_count{launch_type=\"cold\",namespace=\"metrics\","
          + "sandbox_template=\"python\"} 1"), body);
      assertTrue(body.contains("agent_sandboxes{expired=\"false\",launch_type=\"cold\",namespace=\"metrics\","
          + "owned_by=\"SandboxClaim\",ready_condition=\"true\",sandbox_template=\"python\"} 1.0"), body);
      assertTrue(body.contains("operator_sdk_controllers_execution_reconcile_success_total"), "the Operator SDK's own metrics");
      assertTrue(body.contains("jvm_memory_used_bytes"), "JVM metrics");

      running.controller().close();
      assertEquals(503, get(health, "/readyz").statusCode(), "not ready once stopped");
      assertEquals(503, get(health, "/healthz").statusCode());
    }
    assertThrows(ConnectException.class, () -> get(health, "/healthz"), "the endpoints close with the program");
  }

  @Test
  void X5_bindAddressesFollowTheReferenceForm() {
    assertEquals(new InetSocketAddress(8080), EndpointServer.parseBindAddress("--f", ":8080").orElseThrow());
    assertEquals(new InetSocketAddress("127.0.0.1", 1), EndpointServer.parseBindAddress("--f", "127.0.0.1:1")
        .orElseThrow());
    assertTrue(EndpointServer.parseBindAddress("--f", "0").isEmpty());
    assertThrows(IllegalArgumentException.class, () -> EndpointServer.parseBindAddress("--f", ":http"));
    assertThrows(IllegalArgumentException.class, () -> EndpointServer.parseBindAddress("--f", ":70000"));
  }

  @Test
  void X5_withoutExtensionsOnlyTheSandboxReconcilerRuns() {
    try (SandboxController sandboxOnly = SandboxController.start(cluster.client,
        ControllerOptions.builder().extensions(false).build())) {
      assertEquals(Set.of("sandbox-controller"), sandboxOnly.reconcilerNames());
    }
    try (SandboxController all = SandboxController.start(cluster.client, ControllerOptions.defaults())) {
      assertTrue(all.reconcilerNames().containsAll(Set.of("sandbox-controller", "sandboxclaim-controller")),
          "the in-process default runs every reconciler");
      assertFalse(all.reconcilerNames().isEmpty());
    }
  }

  private static Response get(InetSocketAddress address, String path) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + address.getPort() + path)
        .toURL().openConnection();
    connection.setRequestProperty("Connection", "close");
    try {
      int status = connection.getResponseCode();
      try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
        return new Response(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } finally {
      connection.disconnect();
    }
  }
}
