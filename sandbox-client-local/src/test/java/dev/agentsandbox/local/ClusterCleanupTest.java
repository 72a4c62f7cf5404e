package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.model.NameHash;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What closing a {@link SandboxClient} leaves behind on an embedded cluster: nothing on the
 * cluster once the garbage collector ran, and no thread or socket in this JVM.
 */
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

  private static LocalSandboxCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = LocalSandboxCluster.start();
    applyResource("/python-runtime-template.yaml");
    applyResource("/python-runtime-service-template.yaml");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

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
      try (DeletionWatch<Sandbox> sandboxGone =
              new DeletionWatch<>(k8s.resources(Sandbox.class).inNamespace(NAMESPACE).withName(sandboxName));
          DeletionWatch<Pod> podGone = new DeletionWatch<>(k8s.pods().inNamespace(NAMESPACE).withName(sandboxName));
          DeletionWatch<Service> serviceGone =
              new DeletionWatch<>(k8s.services().inNamespace(NAMESPACE).withName(sandboxName))) {

        sandbox.close();

        // The client deletes the claim itself, before close() returns.
        assertNull(k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).withName(claimName).get());
        sandboxGone.await();
        podGone.await();
        serviceGone.await();
      }
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
    assertTrue(await(() -> listeningSockets().equals(listenersBefore)),
        () -> "listening sockets before " + listenersBefore + ", after " + listeningSockets());
    assertTrue(await(() -> openFileDescriptors() <= fdsBefore + FD_TOLERANCE),
        () -> "open file descriptors before " + fdsBefore + ", after " + openFileDescriptors());
  }

  private static void useAndClose() throws Exception {
    try (SandboxClient sandbox = newSandbox();
        DeletionWatch<Pod> podGone =
            new DeletionWatch<>(cluster.client().pods().inNamespace(NAMESPACE).withName(sandbox.sandboxName()))) {
      assertEquals("hi\n", sandbox.run("echo hi").stdout());
      sandbox.write("data/file.bin", new byte[64 * 1024]);
      assertEquals(64 * 1024, sandbox.read("data/file.bin").length);
      assertTrue(sandbox.exists("data"));

      sandbox.close();

      // The pod's runtime (its server socket and command threads) goes when the pod goes.
      podGone.await();
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
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      List<Thread> left = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && t.isAlive() && !outlivesClients(t))
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

  private static void applyResource(String name) {
    try (InputStream yaml = ClusterCleanupTest.class.getResourceAsStream(name)) {
      cluster.apply(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Tells when one existing object is deleted. The watch is open once the constructor returns,
   * so a deletion that follows cannot be missed (the mock API server does not replay events
   * from a resourceVersion, which makes a wait started after the deletion racy).
   */
  private static final class DeletionWatch<T extends HasMetadata> implements AutoCloseable {
    private final CompletableFuture<Void> deleted = new CompletableFuture<>();
    private final String description;
    private final SharedIndexInformer<T> informer;

    DeletionWatch(Resource<T> resource) {
      description = resource.toString();
      informer = resource.inform(new ResourceEventHandler<T>() {
        @Override
        public void onAdd(T obj) {
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
          deleted.complete(null);
        }
      });
      if (informer.getStore().list().isEmpty()) {
        informer.close();
        throw new AssertionError("nothing to watch: " + description + " does not exist");
      }
    }

    void await() throws Exception {
      try {
        deleted.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("still there after " + DEADLINE + ": " + informer.getStore().list(), e);
      }
    }

    @Override
    public void close() {
      informer.close();
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
