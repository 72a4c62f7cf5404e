package dev.agentsandbox.router;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A mock API server with Sandbox resources, a Vert.x instance and routers started on them. */
final class RouterFixture implements AutoCloseable {
  static final String NS = "default";

  final KubernetesMockServer server;
  final KubernetesClient client;
  final Vertx vertx;
  private final Context clientContext;
  private SandboxRouter router;

  RouterFixture() throws Exception {
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup(Sandbox.GROUP).withVersion(Sandbox.VERSION).withKind("Sandbox").withPlural("sandboxes")
        .withScope("Namespaced").withStatusSubresource(true).build());
    client = server.createClient();
    vertx = Vertx.vertx();
    clientContext = vertx.getOrCreateContext();
  }

  /**
   * Runs a client action on one Vert.x context and waits for its result, so that no response
   * event can arrive before its handler is set.
   */
  <T> T onClientContext(Supplier<Future<T>> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    clientContext.runOnContext(ignored -> action.get().onComplete(done -> {
      if (done.succeeded()) {
        result.complete(done.result());
      } else {
        result.completeExceptionally(done.cause());
      }
    }));
    return result.get(30, TimeUnit.SECONDS);
  }

  /** Starts the router on 127.0.0.1 with an ephemeral port; closed with the fixture. */
  SandboxRouter startRouter(RouterOptions.Builder options) {
    router = SandboxRouter.start(vertx, client, options.host("127.0.0.1").port(0).build());
    return router;
  }

  /** Creates a Sandbox whose pod IP is 127.0.0.1. */
  void createSandbox(String name) {
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    sandbox.setSpec(new SandboxSpec());
    Sandbox created = client.resources(Sandbox.class).inNamespace(NS).resource(sandbox).create();
    created.setStatus(new SandboxStatus(null, List.of("127.0.0.1"), null, null, null, null));
    client.resources(Sandbox.class).inNamespace(NS).resource(created).updateStatus();
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    if (router != null) {
      router.close();
    }
    await(vertx.close());
    client.close();
    server.destroy();
  }
}
