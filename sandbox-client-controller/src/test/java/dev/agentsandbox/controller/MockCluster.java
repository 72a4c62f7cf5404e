package dev.agentsandbox.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/** fabric8's CRUD mock API server on loopback, knowing the four agent-sandbox kinds; expectations set on {@link #server} win. */
final class MockCluster implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockCluster() {
    // CRUD for everything, except requests a test sets an expectation for.
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
        new KubernetesMixedDispatcher(expectations), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    expect("agents.x-k8s.io", "Sandbox", "sandboxes");
    expect("extensions.agents.x-k8s.io", "SandboxClaim", "sandboxclaims");
    expect("extensions.agents.x-k8s.io", "SandboxTemplate", "sandboxtemplates");
    expect("extensions.agents.x-k8s.io", "SandboxWarmPool", "sandboxwarmpools");
    client = server.createClient();
  }

  private void expect(String group, String kind, String plural) {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion("v1alpha1")
        .withKind(kind)
        .withPlural(plural)
        .withScope("Namespaced")
        .withStatusSubresource(true)
        .build());
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
