package dev.agentsandbox.client;

import dev.agentsandbox.model.v1alpha1.SandboxClaim;
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
import java.util.List;
import java.util.Map;
import java.util.Queue;

/** fabric8's CRUD mock API server with the agent-sandbox CRDs, and a client for it. */
final class FakeCluster implements AutoCloseable {
  static final CustomResourceDefinitionContext CLAIMS = new CustomResourceDefinitionContext.Builder()
      .withGroup("extensions.agents.x-k8s.io")
      .withVersion("v1alpha1")
      .withKind("SandboxClaim")
      .withPlural("sandboxclaims")
      .withScope("Namespaced")
      .withStatusSubresource(true)
      .build();
  static final CustomResourceDefinitionContext TEMPLATES = new CustomResourceDefinitionContext.Builder()
      .withGroup("extensions.agents.x-k8s.io")
      .withVersion("v1alpha1")
      .withKind("SandboxTemplate")
      .withPlural("sandboxtemplates")
      .withScope("Namespaced")
      .build();

  static final CustomResourceDefinitionContext SANDBOXES = new CustomResourceDefinitionContext.Builder()
      .withGroup("agents.x-k8s.io")
      .withVersion("v1alpha1")
      .withKind("Sandbox")
      .withPlural("sandboxes")
      .withScope("Namespaced")
      .withStatusSubresource(true)
      .build();

  final KubernetesMockServer server;
  final KubernetesClient client;
  private FakeController controller;

  FakeCluster() {
    // CRUD behaviour, plus scripted answers for requests given an expectation.
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expectCustomResource(CLAIMS);
    server.expectCustomResource(TEMPLATES);
    server.expectCustomResource(SANDBOXES);
    client = server.createClient();
  }

  /** Starts a fake controller that reacts once to every new claim. */
  FakeController controller(FakeController.Reaction reaction) {
    controller = new FakeController(client, reaction);
    return controller;
  }

  /** The path of the client's watch on a claim, as fabric8 7.5 spells it. */
  static String claimWatchPath(String namespace, String name, String resourceVersion) {
    return "/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/" + namespace + "/sandboxclaims"
        + "?allowWatchBookmarks=true&fieldSelector=metadata.name%3D" + name
        + "&resourceVersion=" + resourceVersion + "&watch=true";
  }

  List<SandboxClaim> claims() {
    return client.resources(SandboxClaim.class).inAnyNamespace().list().getItems();
  }

  @Override
  public void close() throws InterruptedException {
    if (controller != null) {
      controller.close();
    }
    client.close();
    server.destroy();
  }
}
