package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl found on the PATH forwards a port through the embedded API server (over
 * HTTPS, as kubectl sends credentials only there), in both of its protocols: SPDY tunnelled in a
 * WebSocket (kubectl 1.31 and later, by default) and SPDY after an HTTP upgrade (older kubectl,
 * or {@code KUBECTL_PORT_FORWARD_WEBSOCKETS=false}). Skipped where there is no kubectl.
 */
class KubectlPortForwardTest {
  private static final int TIMEOUT_SECONDS = 60;
  private static final Pattern FORWARDING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> (\\d+)");

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private Vertx vertx;
  private NetServer echo;
  private LocalApiServer api;
  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    echo = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(socket::write))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    api = LocalApiServer.start((ns, pod) -> "default".equals(ns) && "echo".equals(pod)
        ? Optional.of("127.0.0.1") : Optional.empty(), true);
    // kubectl forwards to a pod it finds running.
    try (KubernetesClient client = api.newClient()) {
      Pod pod = client.pods().resource(new PodBuilder().withNewMetadata().withName("echo").endMetadata()
          .withNewSpec().addNewContainer().withName("echo").withImage("echo").endContainer().endSpec().build())
          .create();
      pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").build());
      client.pods().resource(pod).updateStatus();
    }
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    api.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void kubectlForwardsOverSpdyTunnelledInAWebSocket() throws Exception {
    Path kubectl = onPath("kubectl");
    assumeTrue(kubectl != null, "kubectl is not on the PATH: skipped");
    assumeTrue(minorVersion(kubectl) >= 31, "kubectl before 1.31 forwards over SPDY only");
    List<String> log = forwardAndExchange(false);
    assertTrue(log.stream().anyMatch(line -> line.contains("GET https://") && line.contains("/portforward")),
        () -> "kubectl's requests: " + log);
    assertTrue(log.stream().noneMatch(line -> line.contains("POST https://") && line.contains("/portforward")),
        () -> "kubectl fell back to its other protocol: " + log);
  }

  @Test
  void kubectlForwardsOverAnUpgradeToSpdy() throws Exception {
    List<String> log = forwardAndExchange(true);
    assertTrue(log.stream().anyMatch(line -> line.contains("POST https://") && line.contains("/portforward")
        && line.contains("101")), () -> "kubectl's requests: " + log);
  }

  /** The minor version of a kubectl, from {@code kubectl version --client -o json}. */
  private static int minorVersion(Path kubectl) throws Exception {
    Process version = new ProcessBuilder(kubectl.toString(), "version", "--client", "-o", "json")
        .redirectErrorStream(true).start();
    String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(version.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "kubectl version did not finish");
    Matcher minor = Pattern.compile("\"minor\"\\s*:\\s*\"(\\d+)").matcher(output);
    assertTrue(minor.find(), output);
    return Integer.parseInt(minor.group(1));
  }

  /**
   * Runs {@code kubectl port-forward pod/echo 0:ECHO}, sends bytes through two connections to its
   * local port and reads them back.
   *
   * @return what kubectl logged
   */
  private List<String> forwardAndExchange(boolean spdyUpgrade) throws Exception {
    Path kubectl = onPath("kubectl");
    assumeTrue(kubectl != null, "kubectl is not on the PATH: skipped");
    Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
    ProcessBuilder command = new ProcessBuilder(kubectl.toString(), "--kubeconfig", kubeconfig.toString(),
        "-v=6", "port-forward", "pod/echo", "0:" + echo.actualPort());
    command.environment().put("KUBECTL_PORT_FORWARD_WEBSOCKETS", spdyUpgrade ? "false" : "true");
    command.redirectErrorStream(true);
    Process process = command.start();
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    BlockingQueue<Integer> localPorts = new LinkedBlockingQueue<>();
    threads.execute(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          log.add(line);
          Matcher forwarding = FORWARDING.matcher(line);
          if (forwarding.find()) {
            localPorts.add(Integer.parseInt(forwarding.group(1)));
          }
        }
      } catch (Exception e) {
        // the process ended
      }
      localPorts.add(-1);
    });
    try {
      Integer localPort = localPorts.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(localPort, () -> "kubectl did not forward: " + log);
      assertTrue(localPort > 0, () -> "kubectl ended: " + log);
      byte[] payload = new byte[2 * 1024 * 1024];
      new Random(5).nextBytes(payload);
      assertEquals(sha256(payload), sha256(exchange(localPort, payload)), () -> "kubectl: " + log);
      byte[] second = "a second connection".getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(second, exchange(localPort, second), () -> "kubectl: " + log);
      assertTrue(process.isAlive(), () -> "kubectl ended: " + log);
      return new ArrayList<>(log);
    } finally {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Sends {@code payload} to the local port and reads as many bytes back. */
  private byte[] exchange(int localPort, byte[] payload) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), localPort)) {
      socket.setSoTimeout(TIMEOUT_SECONDS * 1000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          out.write(payload);
          out.flush();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, threads);
      byte[] received = in.readNBytes(payload.length);
      sent.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return received;
    }
  }

  /** A kubeconfig for the server, as the local cluster writes one. */

  private static Path onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String entry : path.split(File.pathSeparator)) {
      Path candidate = Path.of(entry, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
