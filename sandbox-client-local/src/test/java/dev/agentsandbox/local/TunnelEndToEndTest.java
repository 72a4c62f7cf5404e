package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxFiles;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.internal.ClaimNames;
import dev.agentsandbox.client.internal.HttpSettings;
import dev.agentsandbox.client.internal.RouterTunnel;
import dev.agentsandbox.client.internal.RuntimeHttpApi;
import dev.agentsandbox.client.internal.SandboxConnector;
import dev.agentsandbox.client.internal.SandboxConnectors;
import dev.agentsandbox.client.internal.SandboxRef;
import dev.agentsandbox.client.internal.TunnelConnector;
import dev.agentsandbox.local.StreamedTransfer.DigestingSink;
import dev.agentsandbox.local.StreamedTransfer.GeneratedStream;
import dev.agentsandbox.local.StreamedTransfer.HeapSampler;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.runtime.IsolationPolicy;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tunnel against the embedded cluster: one port-forward shared by many sandboxes and
 * threads, and a tunnel that repairs itself when it is killed or its router pod is replaced.
 * The shared tunnel goes through a {@link SandboxFleet}; the repairs through the connector that
 * every client type uses.
 */
class TunnelEndToEndTest {
  private static final String TEMPLATE = "python-runtime-template";
  private static final String ROUTERLESS = "team-a";
  /** What a large transfer through the tunnel may add to the live heap at any point. */
  private static final long HEAP_GROWTH_LIMIT = 64L << 20;
  private static final HttpSettings SETTINGS = new HttpSettings(Duration.ofSeconds(10),
      Duration.ofSeconds(60), Duration.ofSeconds(60), 16L * 1024 * 1024, 8888, RetryPolicy.defaults());

  private static LocalSandboxCluster cluster;
  private final List<SandboxRef> claims = new ArrayList<>();

  @BeforeAll
  static void startCluster() {
    // Isolation is not what is tested here, and plain processes start several times faster.
    cluster = LocalSandboxCluster.builder().routerNamespaces("default", "agent-sandbox-system")
        .isolation(IsolationPolicy.NONE).start();
    cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ROUTERLESS)
        .endMetadata().build()).createOr(NonDeletingOperation::update);
    try (InputStream yaml = TunnelEndToEndTest.class.getResourceAsStream("/python-runtime-template.yaml")) {
      String template = new String(yaml.readAllBytes(), StandardCharsets.UTF_8);
      cluster.apply(template);
      cluster.apply(template.replace("namespace: default", "namespace: " + ROUTERLESS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void deleteClaims() {
    for (SandboxRef ref : claims) {
      cluster.client().resources(SandboxClaim.class).inNamespace(ref.namespace()).withName(ref.claimName())
          .delete();
    }
  }

  @Test
  void thousandRunsOverTwentySandboxesFromTwentyThreadsOfOneFleetShareOneTunnel() throws Exception {
    int tunnelsBefore = RouterTunnel.liveTunnels();
    ExecutorService threads = Executors.newFixedThreadPool(20);
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel()).build()) {
      List<Sandbox> sandboxes = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        sandboxes.add(fleet.create(SandboxOptions.ofTemplate(TEMPLATE)));
      }
      List<Future<ExecutionResult>> results = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        Sandbox sandbox = sandboxes.get(i % sandboxes.size());
        String command = "echo " + i;
        results.add(threads.submit(() -> sandbox.commands().run(command)));
      }
      for (int i = 0; i < results.size(); i++) {
        ExecutionResult result = results.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(i + "\n", result.stdout());
        assertEquals(0, result.exitCode());
      }

      assertEquals(1, RouterTunnel.liveTunnels() - tunnelsBefore, "port-forward tunnels opened by the fleet");
    } finally {
      threads.shutdown();
      assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  /**
   * 256 MiB up and down through the default tunnel (16 times OkHttp's WebSocket send limit),
   * from a generated stream to a digesting sink: every byte arrives, and no component buffers the
   * file. Client, embedded API server, router and runtime share this JVM, so the bound on the
   * live heap covers all of them. {@link TunnelTransferBenchmark} runs the same with 1 GiB.
   */
  @Test
  void R1_largeUploadAndDownloadThroughTheTunnelKeepEveryByteAndBoundTheHeap() {
    long size = 256L << 20;
    try (SandboxClient client = SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .templateName(TEMPLATE).namespace("default").build()) {
      SandboxFiles files = client.files();
      files.write("warm-up.txt", "warm");
      HeapSampler heap = new HeapSampler();

      GeneratedStream source = new GeneratedStream(size, 42, heap);
      files.upload("large.bin", source);
      DigestingSink sink = new DigestingSink(heap);
      long downloaded = files.download("large.bin", sink);

      assertEquals(size, source.delivered());
      assertEquals(size, downloaded);
      assertEquals(source.sha256Hex(), sink.sha256Hex());
      assertTrue(heap.peakGrowth() <= HEAP_GROWTH_LIMIT,
          "the live heap grew by " + (heap.peakGrowth() >> 20) + " MiB during the transfers");
    }
  }

  /**
   * A stream that breaks half way (its router pod replaced) is reported as what happened, with
   * what the tunnel saw, and not as a router that might not be deployed.
   */
  @Test
  void R1_transferBrokenMidwayIsReportedAsSuchNotAsAMissingRouter() {
    try (SandboxClient client = SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .templateName(TEMPLATE).namespace("default").build()) {
      SandboxFiles files = client.files();
      files.write("warm-up.txt", "warm");
      AtomicBoolean replaced = new AtomicBoolean();
      GeneratedStream source = new GeneratedStream(1L << 30, 7, bytesRead -> {
        if (bytesRead >= (16L << 20) && replaced.compareAndSet(false, true)) {
          cluster.replaceRouterPod("default");
        }
      });

      SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
          () -> files.upload("broken.bin", source));

      assertTrue(e.getMessage().contains("closed mid-transfer after"), e.getMessage());
      assertFalse(e.getMessage().contains("Is the sandbox router deployed"), e.getMessage());
    }
  }

  @Test
  void killedTunnelIsReopenedOnTheNextCall() throws Exception {
    SandboxRef ref = readySandboxes("default", 1).get(0);
    try (SandboxConnector connector = tunnel("default")) {
      RuntimeHttpApi sandbox = connector.connect(ref);
      assertEquals("before\n", sandbox.execute("echo before", null).stdout());
      TunnelConnector tunnels = (TunnelConnector) connector;
      RouterTunnel first = tunnels.currentTunnel();

      first.close();

      assertEquals("after\n", sandbox.execute("echo after", null).stdout());
      assertEquals(2, tunnels.tunnelsOpened());
      assertNotEquals(first.baseUrl(), tunnels.currentTunnel().baseUrl());
    }
  }

  @Test
  void tunnelFollowsTheRouterPodWhenItIsReplaced() throws Exception {
    SandboxRef ref = readySandboxes("default", 1).get(0);
    try (SandboxConnector connector = tunnel("default")) {
      RuntimeHttpApi sandbox = connector.connect(ref);
      sandbox.upload("kept.txt", "kept".getBytes(StandardCharsets.UTF_8));
      TunnelConnector tunnels = (TunnelConnector) connector;
      RouterTunnel first = tunnels.currentTunnel();
      InetSocketAddress before = cluster.routerAddress("default");

      InetSocketAddress after = cluster.replaceRouterPod("default");
      // The old router's connections are closed; wait until the tunnel has seen that, so the
      // next command meets a dead connection rather than racing its closing.
      await(() -> first.openStreams() == 0);

      // A command is only re-sent because the tunnel can prove it never left this process.
      assertEquals("after\n", sandbox.execute("echo after", null).stdout());
      assertEquals("kept", new String(sandbox.download("kept.txt"), StandardCharsets.UTF_8));
      assertNotEquals(before, after);
      assertEquals(2, tunnels.tunnelsOpened());
      assertNotEquals(first.podName(), tunnels.currentTunnel().podName());
    }
  }

  @Test
  void routerInAgentSandboxSystemServesANamespaceWithoutOne() throws Exception {
    SandboxRef ref = readySandboxes(ROUTERLESS, 1).get(0);
    try (SandboxConnector connector = tunnel(ROUTERLESS)) {
      RuntimeHttpApi sandbox = connector.connect(ref);

      assertEquals("fallback\n", sandbox.execute("echo fallback", null).stdout());
      assertTrue(connector.describe().contains("agent-sandbox-system"), connector.describe());
    }
  }

  private static SandboxConnector tunnel(String sandboxNamespace) {
    return SandboxConnectors.create(cluster.tunnel(), cluster.client(), sandboxNamespace, SETTINGS);
  }

  /** Claims sandboxes the way every client does, and waits until they are ready. */
  private List<SandboxRef> readySandboxes(String namespace, int count) {
    KubernetesClient client = cluster.client();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = ClaimNames.generate(ThreadLocalRandom.current());
      client.resources(SandboxClaim.class).inNamespace(namespace)
          .resource(ClaimNames.newClaim(name, namespace, TEMPLATE, Map.of(), Instant.now())).create();
      claims.add(new SandboxRef(name, namespace, null));
      names.add(name);
    }
    List<SandboxRef> ready = new ArrayList<>();
    for (String name : names) {
      SandboxClaim claim = client.resources(SandboxClaim.class).inNamespace(namespace).withName(name)
          .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().sandbox() != null
              && c.getStatus().sandbox().name() != null
              && c.getStatus().condition("Ready").map(r -> "True".equals(r.getStatus())).orElse(false),
              60, TimeUnit.SECONDS);
      ready.add(new SandboxRef(name, namespace, claim.getStatus().sandbox().name()));
    }
    return ready;
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
