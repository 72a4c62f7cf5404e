package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalApiServerTest {
  private Vertx vertx;
  private NetServer echo;
  private LocalApiServer api;
  private KubernetesClient client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    echo = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(socket::write))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    api = LocalApiServer.start((ns, pod) -> "default".equals(ns) && "echo".equals(pod)
        ? Optional.of("127.0.0.1") : Optional.empty());
    client = api.newClient();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    api.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aComponentsClientRunsOnThreadsNamedAfterItThatEndWithIt() throws Exception {
    List<Thread> threads;
    try (KubernetesClient component = api.newClient("probe")) {
      component.pods().inNamespace("default").list();
      threads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getThreadGroup() != null && t.getThreadGroup().getName().startsWith("local-probe"))
          .toList();
      assertTrue(threads.stream().anyMatch(t -> t.getName().startsWith("local-probe-http-")),
          () -> "threads of the component's client: " + threads);
    }
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(thread.isAlive(), () -> thread.getName() + " outlived its client");
    }
  }

  @Test
  void apiServerThreadIsNamedAfterIt() {
    client.pods().inNamespace("default").list();
    assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("local-api-server-")));
  }

  @Test
  void portForwardBridgesBytesBothWaysToThePodAddress() throws Exception {
    byte[] payload = new byte[3 * 1024 * 1024];
    new Random(7).nextBytes(payload);
    try (LocalPortForward forward = client.pods().withName("echo")
        .portForward(echo.actualPort(), InetAddress.getLoopbackAddress(), 0);
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), forward.getLocalPort())) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      Thread writer = new Thread(() -> {
        try {
          out.write(payload);
          out.flush();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      writer.start();
      byte[] received = in.readNBytes(payload.length);
      writer.join();
      assertArrayEquals(payload, received);
      assertTrue(!forward.errorOccurred(), () -> "port-forward errors: " + forward.getServerThrowables());
    }
  }

  @Test
  void portForwardToAPodThatIsNotRunningFails() throws Exception {
    try (LocalPortForward forward = client.pods().withName("missing")
        .portForward(8888, InetAddress.getLoopbackAddress(), 0);
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), forward.getLocalPort())) {
      socket.getOutputStream().write(1);
      int read;
      try {
        read = socket.getInputStream().read();
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      assertEquals(-1, read, "no byte may come back from a pod that is not running");
    }
  }

  @Test
  void mergePatchReplacesListsAndRemovesKeysSetToNull() {
    client.pods().resource(new PodBuilder().withNewMetadata().withName("merged")
        .addToAnnotations("keep", "1").addToAnnotations("drop", "2")
        .addNewOwnerReference().withApiVersion("v1").withKind("Thing").withName("old").withUid("u-old").endOwnerReference()
        .endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec().build()).create();

    client.pods().withName("merged").patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"drop\":null},\"ownerReferences\":["
            + "{\"apiVersion\":\"v1\",\"kind\":\"Thing\",\"name\":\"new\",\"uid\":\"u-new\"}]}}");

    Pod after = client.pods().withName("merged").get();
    assertEquals(java.util.Map.of("keep", "1"), after.getMetadata().getAnnotations());
    assertEquals(List.of("new"), after.getMetadata().getOwnerReferences().stream()
        .map(io.fabric8.kubernetes.api.model.OwnerReference::getName).toList());
  }

  @Test
  void aPatchsMediaTypeIsReadWithoutItsParameters() {
    assertEquals("merge-patch+json", LocalApiDispatcher.mediaSubtype("application/merge-patch+json; charset=utf-8"));
    assertEquals("json-patch+json", LocalApiDispatcher.mediaSubtype(" application/json-patch+json "));
    assertEquals("strategic-merge-patch+json",
        LocalApiDispatcher.mediaSubtype("application/strategic-merge-patch+json"));
    assertEquals("apply-patch+yaml", LocalApiDispatcher.mediaSubtype("apply-patch+yaml"));
  }

  @Test
  void customResourcesAndPodsKeepStatusAsASubresource() {
    Sandbox sandbox = new Sandbox();
    sandbox.getMetadata().setName("s1");
    SandboxSpec spec = new SandboxSpec();
    spec.setPodTemplate(new PodTemplateSpecBuilder().withNewSpec()
        .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build());
    sandbox.setSpec(spec);
    SandboxStatus status = new SandboxStatus(null, List.of("127.0.0.9"), null, null, null, null);
    Sandbox created = client.resources(Sandbox.class).resource(sandbox).create();
    created.setStatus(status);
    client.resources(Sandbox.class).resource(created).updateStatus();
    Sandbox fetched = client.resources(Sandbox.class).withName("s1").get();
    assertEquals(List.of("127.0.0.9"), fetched.getStatus().podIPs());
    fetched.getMetadata().setLabels(java.util.Map.of("a", "b"));
    fetched.setStatus(null);
    client.resources(Sandbox.class).resource(fetched).update();
    assertEquals(List.of("127.0.0.9"), client.resources(Sandbox.class).withName("s1").get().getStatus().podIPs());

    Pod pod = client.pods().resource(new PodBuilder().withNewMetadata().withName("p1").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec().build()).create();
    pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").build());
    client.pods().resource(pod).updateStatus();
    Pod current = client.pods().withName("p1").get();
    current.setStatus(null);
    current.getMetadata().setLabels(java.util.Map.of("x", "y"));
    client.pods().resource(current).update();
    Pod after = client.pods().withName("p1").get();
    assertNotNull(after.getStatus());
    assertEquals("Running", after.getStatus().getPhase());
    assertNotNull(client.apiextensions().v1().customResourceDefinitions().withName("sandboxes.agents.x-k8s.io").get());
  }
}
