package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.TlsTrust;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.testing.Isolation;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Gateway and in-cluster modes against the embedded cluster: a Gateway object whose status
 * points at the router (directly, or through a TLS front with a self-signed certificate), and
 * pod IPs that are routable from the test as they are from inside a cluster, though their
 * runtimes serve only the cluster's components unless runtime authentication is turned off.
 */
@SandboxTest(isolation = Isolation.NONE)
@SandboxTemplate(resource = "python-runtime-template.yaml")
class ConnectionModesEndToEndTest {
  private static final String NAMESPACE = "default";
  private static final String TEMPLATE = "python-runtime-template";
  private static final String SERVER_NAME = "sandboxes.example.test";

  private static LocalSandboxCluster cluster;
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(false));
  }

  @AfterAll
  static void stopVertx() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void noClaimIsLeft() {
    assertEquals(0, cluster.client().resources(SandboxClaim.class).inNamespace(NAMESPACE).list().getItems().size());
    cluster.client().resources(Gateway.class).inNamespace(NAMESPACE).delete();
  }

  @Test
  void gatewayModeReachesTheRouterAtTheAddressTheGatewayPublishes() {
    InetSocketAddress router = cluster.routerAddress(NAMESPACE);
    createGateway("sandbox-gateway");
    publishAddress("sandbox-gateway", router.getHostString());

    try (SandboxClient sandbox = builder(gateway("sandbox-gateway").withPort(router.getPort()))
        .build()) {
      assertEquals("through the gateway\n", sandbox.run("echo through the gateway").stdout());
      sandbox.write("g.txt", "via gateway");
      assertEquals("via gateway", new String(sandbox.read("g.txt")));
    }
  }

  @Test
  void anAddressPublishedWhileTheClientWaitsIsUsed() throws Exception {
    InetSocketAddress router = cluster.routerAddress(NAMESPACE);
    createGateway("late-gateway");
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try (SandboxClient sandbox = builder(gateway("late-gateway", NAMESPACE)
          .withPort(router.getPort())).build()) {
        return sandbox.run("echo late").stdout();
      }
    });

    publishAddress("late-gateway", router.getHostString());

    assertEquals("late\n", output.get(60, TimeUnit.SECONDS));
  }

  @Test
  void gatewayWithoutAnAddressFailsAfterTheAddressTimeoutAndLeavesNoClaim() {
    createGateway("silent-gateway");

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> builder(gateway("silent-gateway").withAddressTimeout(Duration.ofMillis(200)))
            .build());

    assertTrue(e.getMessage().contains("has no usable address"), e.getMessage());
    assertTrue(e.getMessage().contains("no status.addresses"), e.getMessage());
  }

  @Test
  void missingGatewayIsAClearErrorAndLeavesNoClaim() {
    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> builder(gateway("no-such-gateway")).build());

    assertTrue(e.getMessage().contains("Gateway 'no-such-gateway' not found in namespace 'default'"),
        e.getMessage());
  }

  @Test
  void aChangedGatewayAddressIsFollowed() {
    InetSocketAddress router = cluster.routerAddress(NAMESPACE);
    createGateway("moving-gateway");
    publishAddress("moving-gateway", router.getHostString());
    try (SandboxClient sandbox = builder(gateway("moving-gateway").withPort(router.getPort()))
        .build()) {
      assertEquals("here\n", sandbox.run("echo here").stdout());

      InetSocketAddress moved = cluster.replaceRouterPod(NAMESPACE);
      publishAddress("moving-gateway", moved.getHostString());

      assertEquals("moved\n", awaitRun(sandbox, "echo moved"));
    }
  }

  @Test
  void httpsGatewayWithASelfSignedCertificateIsTrustedThroughAPemCa() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("local test CA").build();
    HeldCertificate server = new HeldCertificate.Builder().signedBy(ca).commonName(SERVER_NAME)
        .addSubjectAlternativeName("127.0.0.1").addSubjectAlternativeName(SERVER_NAME).build();
    TlsFront front = TlsFront.start(cluster.routerAddress(NAMESPACE), server);
    try {
      createGateway("tls-gateway");
      publishAddress("tls-gateway", "127.0.0.1");
      TlsTrust trust = TlsTrust.pem(ca.certificatePem());

      try (SandboxClient byAddress = builder(gateway("tls-gateway").withHttps(trust)
          .withPort(front.port())).build()) {
        assertEquals("tls\n", byAddress.run("echo tls").stdout());
      }
      try (SandboxClient byName = builder(gateway("tls-gateway").withHttps(trust)
          .withPort(front.port()).withServerName(SERVER_NAME)).build()) {
        assertEquals("sni\n", byName.run("echo sni").stdout());
      }
      try (SandboxClient untrusted = builder(gateway("tls-gateway").withHttps()
          .withPort(front.port())).build()) {
        SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
            () -> untrusted.run("echo never"));
        assertInstanceOf(SSLException.class, e.getCause());
      }
    } finally {
      front.close();
    }
  }

  @Test
  void R8_inClusterModeIsRefusedByRuntimesThatServeOnlyTheirCluster() {
    try (SandboxClient sandbox = builder(ConnectionMode.inCluster()).build()) {
      SandboxRequestException e = assertThrows(SandboxRequestException.class,
          () -> sandbox.run("echo pod"));

      assertEquals(401, e.statusCode());
      assertTrue(e.bodyExcerpt().contains("send requests through the router"), e.bodyExcerpt());
    }
  }

  /** A cluster whose runtimes serve anyone who reaches them, as pods do in a cluster without the router's token. */
  @Nested
  @SandboxTest(isolation = Isolation.NONE, runtimeAuthentication = false)
  @SandboxTemplate(resource = "python-runtime-template.yaml")
  class WithoutRuntimeAuthentication {
    @Test
    void inClusterModeReachesThePodWithoutTheRouter(KubernetesClient open) {
      try (SandboxClient sandbox = SandboxClient.builder().kubernetesClient(open)
          .templateName(TEMPLATE).namespace(NAMESPACE).connection(ConnectionMode.inCluster()).build()) {
        assertEquals("pod\n", sandbox.run("echo pod").stdout());
        sandbox.write("in-cluster.txt", "direct to pod");
        assertEquals("direct to pod", new String(sandbox.read("in-cluster.txt")));
      }
    }
  }

  /** A gateway mode with the cluster's router token, as every router of the cluster requires it. */
  private static ConnectionMode.Gateway gateway(String name) {
    return ConnectionMode.gateway(name).withAuthToken(cluster.routerAuthToken());
  }

  private static ConnectionMode.Gateway gateway(String name, String namespace) {
    return ConnectionMode.gateway(name, namespace).withAuthToken(cluster.routerAuthToken());
  }

  private static SandboxClient.Builder builder(ConnectionMode mode) {
    return SandboxClient.builder().kubernetesClient(cluster.client()).templateName(TEMPLATE).namespace(NAMESPACE)
        .connection(mode);
  }

  private static void createGateway(String name) {
    cluster.client().resource(new GatewayBuilder()
        .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
        .withNewSpec().withGatewayClassName("local")
        .addNewListener().withName("http").withProtocol("HTTP").withPort(80).endListener()
        .endSpec().build()).create();
  }

  private static void publishAddress(String gateway, String address) {
    cluster.client().resources(Gateway.class).inNamespace(NAMESPACE).withName(gateway).editStatus(g -> {
      g.setStatus(new GatewayStatusBuilder().addNewAddress().withType("IPAddress").withValue(address).endAddress()
          .build());
      return g;
    });
  }

  /** Runs until the client has picked up a change it is told about asynchronously. */
  private static String awaitRun(SandboxClient sandbox, String command) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return sandbox.run(command).stdout();
      } catch (SandboxConnectionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  /** A TLS terminator in front of the router, as a gateway with a certificate would be. */
  private record TlsFront(NetServer server, NetClient client) implements AutoCloseable {
    static TlsFront start(InetSocketAddress router, HeldCertificate certificate) throws Exception {
      NetServerOptions options = new NetServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions()
              .setCertValue(Buffer.buffer(certificate.certificatePem()))
              .setKeyValue(Buffer.buffer(certificate.privateKeyPkcs8Pem())));
      NetClient client = vertx.createNetClient();
      NetServer server = vertx.createNetServer(options).connectHandler(in -> {
        in.pause();
        client.connect(router.getPort(), router.getHostString()).onComplete(connected -> {
          if (connected.failed()) {
            in.close();
            return;
          }
          in.pipeTo(connected.result());
          connected.result().pipeTo(in);
          in.resume();
        });
      });
      server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return new TlsFront(server, client);
    }

    int port() {
      return server.actualPort();
    }

    @Override
    public void close() throws Exception {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
