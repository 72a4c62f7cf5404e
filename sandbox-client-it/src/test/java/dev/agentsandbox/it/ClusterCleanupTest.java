package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.testing.ClusterAwaits;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What closing a {@link SandboxClient} leaves behind on an embedded cluster: nothing on the
 * cluster once the garbage collector ran, and no thread or socket in this JVM.
 */
@SandboxTest
@SandboxTemplate(resource = "python-runtime-template.yaml")
@SandboxTemplate(resource = "python-runtime-service-template.yaml")
class ClusterCleanupTest {
  private static final String NAMESPACE = "default";
  private static final String TEMPLATE = "python-runtime-template";
  private static final String SERVICE_TEMPLATE = "python-runtime-service-template";
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  /**
   * Idle keep-alive connections of the cluster's shared KubernetesClient may come and go: each
   * is two descriptors here, as the API server runs in this JVM too.
   */
  private static final int FD_TOLERANCE = 4;
  /** Clients open at once in the test of fifty. */
  private static final int PARALLEL = 5;

  private static LocalSandboxCluster cluster;

  @Test
  void closeDeletesTheClaimAndTheGarbageCollectorRemovesSandboxPodAndService() throws Exception {
    KubernetesClient k8s = cluster.client();
    try (SandboxClient sandbox = SandboxClient.builder()
        .kubernetesClient(k8s)
        .connection(cluster.tunnel())
        .templateName(SERVICE_TEMPLATE)
        .build()) {
      String claimName = sandbox.claimName();
      String sandboxName = sandbox.sandboxName();
      assertEquals("ok\n", sandbox.run("echo ok").stdout());
      Resource<Sandbox> sandboxObject = k8s.resources(Sandbox.class).inNamespace(NAMESPACE).withName(sandboxName);
      Resource<Pod> pod = k8s.pods().inNamespace(NAMESPACE).withName(sandboxName);
      Resource<Service> service = k8s.services().inNamespace(NAMESPACE).withName(sandboxName);
      assertNotNull(sandboxObject.get());
      assertNotNull(pod.get());
      assertNotNull(service.get());

      sandbox.close();

      // The client deletes the claim itself, before close() returns.
      assertNull(k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).withName(claimName).get());
      ClusterAwaits.absent(sandboxObject, DEADLINE);
      ClusterAwaits.absent(pod, DEADLINE);
      ClusterAwaits.absent(service, DEADLINE);
      String hash = NameHash.of(sandboxName);
      assertEquals(List.of(), names(k8s.pods().inNamespace(NAMESPACE)
          .withLabel(SandboxKeys.SANDBOX_NAME_HASH, hash).list().getItems()));
      assertEquals(List.of(), names(k8s.services().inNamespace(NAMESPACE)
          .withLabel(SandboxKeys.SANDBOX_NAME_HASH, hash).list().getItems()));
    }
  }

  @Test
  void closeLeavesNoThreadOrSocketBehind() throws Exception {
    // The first sandbox makes the cluster start its lazily created pools (event loops, kubelet,
    // connections of the shared client); what the second one leaves is what a client leaks.
    useAndClose();
    Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
    long fdsBefore = openFileDescriptors();
    Set<String> listenersBefore = fdsBefore >= 0 ? listeningSockets() : Set.of();

    useAndClose();

    List<Thread> left = awaitThreadsEnded(threadsBefore);
    assertEquals(List.of(), left.stream().map(Thread::getName).toList(), "threads left after close");
    assumeTrue(fdsBefore >= 0, "no /proc/self/fd here");
    // The first sandbox's pod may still be stopping when the snapshot is taken: only a listener
    // that was not there before is a leak.
    assertTrue(await(() -> listenersBefore.containsAll(listeningSockets())),
        () -> "listening sockets before " + listenersBefore + ", after " + listeningSockets());
    assertTrue(await(() -> openFileDescriptors() <= fdsBefore + FD_TOLERANCE),
        () -> "open file descriptors before " + fdsBefore + ", after " + openFileDescriptors());
  }

  @Test
  void fiftyClientsWithKubernetesClientsOfTheirOwnLeaveNoThreadOrFileDescriptorBehind() throws Exception {
    // Without kubernetesClient(...), as most users build it: each client makes its own from the
    // kubeconfig and must close it again.
    Path kubeconfig = cluster.writeKubeconfig(Files.createTempFile("kubeconfig-", ".yaml"));
    String previous = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", kubeconfig.toString());
    try {
      // The first round makes the cluster start its lazily created pools for this many clients.
      openRunAndClose(PARALLEL);
      Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
      long fdsBefore = openFileDescriptors();

      openRunAndClose(50);

      ClusterAwaits.items(cluster.client().resources(Sandbox.class).inNamespace(NAMESPACE), List::isEmpty, DEADLINE);
      List<Thread> left = awaitThreadsEnded(threadsBefore, ClusterCleanupTest::sharedByTheProcess);
      assertEquals(List.of(), left.stream().map(Thread::getName).toList(), "threads left after 50 clients");
      assumeTrue(fdsBefore >= 0, "no /proc/self/fd here");
      assertTrue(await(() -> openFileDescriptors() <= fdsBefore + FD_TOLERANCE),
          () -> "open file descriptors before " + fdsBefore + ", after " + openFileDescriptors());
    } finally {
      if (previous == null) {
        System.clearProperty("kubeconfig");
      } else {
        System.setProperty("kubeconfig", previous);
      }
      Files.deleteIfExists(kubeconfig);
    }
  }

  /** Opens, uses and closes clients, {@link #PARALLEL} at a time. */
  private static void openRunAndClose(int clients) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        done.add(threads.submit(() -> {
          try (SandboxClient sandbox = SandboxClient.builder().connection(cluster.tunnel()).templateName(TEMPLATE).build()) {
            assertEquals("hi\n", sandbox.run("echo hi").stdout());
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdown();
      assertTrue(threads.awaitTermination(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    }
  }

  /**
   * Threads a client may leave behind because they are not its own: the cluster's (Vert.x event
   * loops and workers, its components' clients) and OkHttp's task runner, shared by every
   * OkHttp client of the process, whose idle threads end a minute after their last task.
   */
  private static boolean sharedByTheProcess(Thread t) {
    String name = t.getName();
    return name.startsWith("vert.x-") || name.startsWith("local-") || name.equals("OkHttp TaskRunner");
  }

  private static void useAndClose() throws Exception {
    try (SandboxClient sandbox = newSandbox()) {
      Resource<Pod> pod = cluster.client().pods().inNamespace(NAMESPACE).withName(sandbox.sandboxName());
      assertNotNull(pod.get());
      assertEquals("hi\n", sandbox.run("echo hi").stdout());
      sandbox.write("data/file.bin", new byte[64 * 1024]);
      assertEquals(64 * 1024, sandbox.read("data/file.bin").length);
      assertTrue(sandbox.exists("data"));

      sandbox.close();

      // The pod's runtime (its server socket and command threads) goes when the pod goes.
      ClusterAwaits.absent(pod, DEADLINE);
    }
  }

  /**
   * Waits, up to the deadline, for every thread started since {@code before} to end, except
   * idle threads of pools that outlive a client: the cluster's own (Vert.x event loops and
   * workers, kubelet, garbage collector) and OkHttp's, which end by themselves a minute after
   * their last task. An OkHttp thread still running a call (a watch, a port-forward) is named
   * after the call's URL, so it is not excused.
   */
  private static List<Thread> awaitThreadsEnded(Set<Thread> before) throws InterruptedException {
    return awaitThreadsEnded(before, ClusterCleanupTest::outlivesClients);
  }

  /** Waits, up to the deadline, for every thread started since {@code before} and not excused to end. */
  private static List<Thread> awaitThreadsEnded(Set<Thread> before, Predicate<Thread> excused)
      throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      List<Thread> left = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && t.isAlive() && !excused.test(t))
          .toList();
      if (left.isEmpty() || System.nanoTime() - deadline > 0) {
        return left;
      }
      left.get(0).join(50);
    }
  }

  private static boolean outlivesClients(Thread t) {
    String name = t.getName();
    return name.startsWith("vert.x-") || name.startsWith("local-")
        || name.equals("OkHttp TaskRunner") || name.equals("OkHttp Dispatcher");
  }

  private static boolean await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return true;
  }

  /** The number of open file descriptors of this JVM, or -1 where /proc is missing. */
  private static long openFileDescriptors() {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return -1;
    }
    try (Stream<Path> list = Files.list(fds)) {
      return list.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Local addresses of this JVM's listening TCP sockets, as /proc/net/tcp shows them. */
  private static Set<String> listeningSockets() {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
      list.forEach(fd -> {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException gone) {
          // closed while listing
        }
      });
      Set<String> listening = new TreeSet<>();
      for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
        Path file = Path.of(table);
        if (!Files.exists(file)) {
          continue;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
            listening.add(f[1]);
          }
        }
      }
      return listening;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static SandboxClient newSandbox() {
    return SandboxClient.builder()
        .kubernetesClient(cluster.client())
        .connection(cluster.tunnel())
        .templateName(TEMPLATE)
        .build();
  }

  private static List<String> names(List<? extends HasMetadata> items) {
    return items.stream().map(i -> i.getMetadata().getName()).collect(Collectors.toList());
  }
}
