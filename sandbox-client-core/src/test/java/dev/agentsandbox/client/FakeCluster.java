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
public final class FakeCluster implements AutoCloseable {
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

  static final CustomResourceDefinitionContext SANDBOXES = sandboxes("v1alpha1");
  static final CustomResourceDefinitionContext CLAIMS_V1BETA1 = new CustomResourceDefinitionContext.Builder()
      .withGroup("extensions.agents.x-k8s.io")
      .withVersion("v1beta1")
      .withKind("SandboxClaim")
      .withPlural("sandboxclaims")
      .withScope("Namespaced")
      .withStatusSubresource(true)
      .build();
  static final CustomResourceDefinitionContext SANDBOXES_V1BETA1 = sandboxes("v1beta1");

  final KubernetesMockServer server;
  public final KubernetesClient client;
  private FakeController controller;
  private ReferenceController referenceController;

  /** A cluster with the v1alpha1 CRDs only, as reference releases up to v0.4 install them. */
  public FakeCluster() {
    this(false);
  }

  /**
   * A cluster with the v1alpha1 CRDs and, if {@code v1beta1}, the v1beta1 ones too (as
   * reference v0.5 installs them); API discovery reports what is installed.
   */
  FakeCluster(boolean v1beta1) {
    // CRUD behaviour, plus scripted answers for requests given an expectation.
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expectCustomResource(CLAIMS);
    server.expectCustomResource(TEMPLATES);
    server.expectCustomResource(SANDBOXES);
    if (v1beta1) {
      server.expectCustomResource(CLAIMS_V1BETA1);
      server.expectCustomResource(SANDBOXES_V1BETA1);
    }
    client = server.createClient();
  }

  private static CustomResourceDefinitionContext sandboxes(String version) {
    return new CustomResourceDefinitionContext.Builder()
        .withGroup("agents.x-k8s.io")
        .withVersion(version)
        .withKind("Sandbox")
        .withPlural("sandboxes")
        .withScope("Namespaced")
        .build();
  }

  /** Starts an emulation of a reference controller release. */
  ReferenceController referenceController(ReferenceController.Release release) {
    referenceController = new ReferenceController(client, release);
    return referenceController;
  }

  /** Claims at both versions, as the mock keeps them apart. */
  int claimCount() {
    return claims().size() + client.resources(dev.agentsandbox.model.v1beta1.SandboxClaim.class)
        .inAnyNamespace().list().getItems().size();
  }

  /** Sandboxes at both versions. */
  int sandboxCount() {
    return client.resources(dev.agentsandbox.model.v1alpha1.Sandbox.class).inAnyNamespace().list()
        .getItems().size()
        + client.resources(dev.agentsandbox.model.v1beta1.Sandbox.class).inAnyNamespace().list()
        .getItems().size();
  }

  /** Starts a fake controller that reacts once to every new claim. */
  public FakeController controller(FakeController.Reaction reaction) {
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
    if (referenceController != null) {
      referenceController.close();
    }
    client.close();
    server.destroy();
  }
}
