package dev.agentsandbox.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;

/** fabric8's CRUD mock API server on loopback, knowing the four agent-sandbox kinds. */
final class MockCluster implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockCluster() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
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
