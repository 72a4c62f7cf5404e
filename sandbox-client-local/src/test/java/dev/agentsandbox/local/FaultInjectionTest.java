package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxRestartedException;
import dev.agentsandbox.client.internal.SandboxHandle;
import dev.agentsandbox.controller.ControllerOptions;
import dev.agentsandbox.controller.SandboxController;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.runtime.IsolationPolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One fault at a time injected into a running embedded cluster, and what a user of the SDK
 * relies on through it: no call hangs, a failed call says so with a {@link SandboxException},
 * no command runs twice, nothing written before the fault is lost where it can be kept, and the
 * cluster serves again afterwards.
 */
class FaultInjectionTest {
  private static final String NAMESPACE = "default";
  private static final String TEMPLATE = "python-runtime-template";
  private static final String POOL = "python-sandbox-warmpool";
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration SLOW_POLL = Duration.ofMillis(200);

  private static LocalSandboxCluster cluster;

  @BeforeAll
  static void startCluster() {
    // Isolation is not what is tested here, and plain processes start several times faster.
    cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
    cluster.apply(template());
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void routerPodKilledMidRunFailsOnlyCallsInFlightRunsNothingTwiceAndKeepsTheFiles() throws Exception {
    try (SandboxClient sandbox = SandboxClient.builder().kubernetesClient(cluster.client()).connection(cluster.tunnel())
        .templateName(TEMPLATE).runTimeout(Duration.ofSeconds(20)).readTimeout(Duration.ofSeconds(20))
        .build()) {
      Map<String, byte[]> files = new LinkedHashMap<>();
      Random random = new Random(7);
      for (int size : new int[] {0, 1, 4096, 1024 * 1024}) {
        byte[] content = new byte[size];
        random.nextBytes(content);
        files.put("kept/file-" + size + ".bin", content);
        sandbox.write("kept/file-" + size + ".bin", content);
      }

      int threads = 4;
      AtomicBoolean stop = new AtomicBoolean();
      AtomicBoolean replaced = new AtomicBoolean();
      AtomicInteger nextId = new AtomicInteger();
      Map<Integer, Object> outcomes = new ConcurrentHashMap<>();
      AtomicInteger[] callsBefore = new AtomicInteger[threads];
      AtomicInteger[] successesAfter = new AtomicInteger[threads];
      ExecutorService runners = Executors.newFixedThreadPool(threads);
      List<Future<?>> loops = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        AtomicInteger before = callsBefore[t] = new AtomicInteger();
        AtomicInteger after = successesAfter[t] = new AtomicInteger();
        loops.add(runners.submit(() -> {
          while (!stop.get()) {
            boolean afterReplacement = replaced.get();
            int id = nextId.getAndIncrement();
            // The line is written first: a call cut after it shows whether it was sent again.
            try {
              ExecutionResult result = sandbox.run("sh -c 'echo " + id + " >> runs.log; sleep 0.05'");
              outcomes.put(id, result);
              if (afterReplacement) {
                after.incrementAndGet();
              }
            } catch (RuntimeException e) {
              outcomes.put(id, e);
            }
            before.incrementAndGet();
          }
        }));
      }
      try {
        await("every thread ran commands", () -> Arrays.stream(callsBefore).allMatch(c -> c.get() >= 3));

        cluster.replaceRouterPod(NAMESPACE);
        replaced.set(true);

        await("every thread ran commands through the new router",
            () -> Arrays.stream(successesAfter).allMatch(c -> c.get() >= 3));
      } finally {
        stop.set(true);
        runners.shutdown();
        // Bounded by the run and read timeouts: a call that hung would fail this.
        assertTrue(runners.awaitTermination(DEADLINE.toSeconds(), TimeUnit.SECONDS), "a call hung");
      }
      for (Future<?> loop : loops) {
        loop.get();
      }

      Map<Integer, Integer> runs = new HashMap<>();
      for (String line : new String(sandbox.read("runs.log"), StandardCharsets.UTF_8).split("\n")) {
        runs.merge(Integer.parseInt(line.trim()), 1, Integer::sum);
      }
      List<String> failures = new ArrayList<>();
      outcomes.forEach((id, outcome) -> {
        int times = runs.getOrDefault(id, 0);
        assertTrue(times <= 1, "command " + id + " ran " + times + " times");
        if (outcome instanceof ExecutionResult result) {
          assertEquals(0, result.exitCode(), result.stderr());
          assertEquals(1, times, "command " + id + " succeeded but ran " + times + " times");
        } else {
          assertTrue(outcome instanceof SandboxConnectionException, "command " + id + " failed with " + outcome);
          failures.add(id + " (ran " + times + " times): " + outcome);
        }
      });
      assertEquals(outcomes.size(), nextId.get(), "every call ended");
      System.out.printf("router replaced: %d calls, %d failed: %s%n", outcomes.size(), failures.size(), failures);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        assertArrayEquals(file.getValue(), sandbox.read(file.getKey()), file.getKey());
      }
    }
  }

  @Test
  void PodDeleted_sandboxPodDeletedBehindTheClientsBackIsReportedOnceThenCallsRunOnTheNewPod() throws Exception {
    KubernetesClient k8s = cluster.client();
    // A fleet, for the handle whose restart tracking the test waits on.
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(k8s).connection(cluster.tunnel())
        .runTimeout(Duration.ofSeconds(20)).readTimeout(Duration.ofSeconds(20)).build()) {
      SandboxHandle sandbox = (SandboxHandle) fleet.create(SandboxOptions.ofTemplate(TEMPLATE));
      sandbox.files().write("kept.txt", "written before the pod was deleted");
      String workspaceBefore = sandbox.commands().run("pwd").stdout();
      String podName = sandbox.podName();
      Pod before = k8s.pods().inNamespace(NAMESPACE).withName(podName).get();

      k8s.pods().inNamespace(NAMESPACE).withName(podName).delete();

      // The Sandbox stays; the controller makes a new pod for it, with a new address and an
      // empty workspace, as on Kubernetes without a volume.
      Pod after = Awaits.state(k8s.pods().inNamespace(NAMESPACE).withName(podName),
          p -> p != null && !p.getMetadata().getUid().equals(before.getMetadata().getUid()) && Readiness.isPodReady(p),
          DEADLINE);
      assertNotEquals(before.getStatus().getPodIP(), after.getStatus().getPodIP());
      // The client learns it from its watch on the claim, whose status mirrors the pod IPs.
      await("the client notices the sandbox's new pod", sandbox::restartPending);

      SandboxRestartedException restarted = assertThrows(SandboxRestartedException.class, () -> sandbox.files().read("kept.txt"));
      System.out.println("first call after the pod was replaced: " + restarted);
      assertEquals(sandbox.claimName(), restarted.claimName().orElseThrow());
      assertEquals(NAMESPACE, restarted.namespace().orElseThrow());
      assertEquals(List.of(before.getStatus().getPodIP()), restarted.previousPodIPs());
      assertEquals(List.of(after.getStatus().getPodIP()), restarted.currentPodIPs());
      assertTrue(restarted.getMessage().contains("files written and processes started before are lost"),
          restarted.getMessage());

      // Reported once: later calls run on the new pod, in its own, empty workspace.
      int refused = runOnceTheRouterCaughtUp(sandbox);
      System.out.println("pod deleted: commands refused with 502 before the router saw the new pod: " + refused);
      ExecutionResult workspaceAfter = sandbox.commands().run("pwd");
      assertEquals(0, workspaceAfter.exitCode(), workspaceAfter.toString());
      assertNotEquals(workspaceBefore, workspaceAfter.stdout(), "the new pod works in the old pod's directory");
      assertThrows(SandboxFileNotFoundException.class, () -> sandbox.files().read("kept.txt"));
      ExecutionResult rerun = sandbox.commands().run("cat kept.txt");
      assertNotEquals(0, rerun.exitCode());
      ExecutionResult again = sandbox.commands().run("echo again");
      assertEquals("again\n", again.stdout(), again.toString());
      assertEquals(sandbox.sandboxName(), after.getMetadata().getName());
    }
  }

  @Test
  void claimsCreatedRightAfterTheApiServerClosedEveryWatchAreReconciled() {
    KubernetesClient k8s = cluster.client();
    await("the cluster's watches are open", () -> cluster.openWatches() > 0);

    int closed = cluster.closeWatches();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      names.add(k8s.resource(claim(NAMESPACE, "after-watch-drop-" + i)).create().getMetadata().getName());
    }

    assertTrue(closed > 0, "watches closed: " + closed);
    try {
      for (String name : names) {
        Awaits.state(k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).withName(name),
            c -> c != null && claimReady(c), DEADLINE);
      }
    } finally {
      names.forEach(n -> k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).withName(n).delete());
    }
  }

  @Test
  void PodDeleted_sandboxPodDeletedWhileTheApiServerClosedEveryWatchIsRecreatedAndReported() {
    KubernetesClient k8s = cluster.client();
    // A fleet, for the handle whose restart tracking the test waits on.
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(k8s).connection(cluster.tunnel()).build()) {
      SandboxHandle sandbox = (SandboxHandle) fleet.create(SandboxOptions.ofTemplate(TEMPLATE));
      String podName = sandbox.podName();
      Pod before = k8s.pods().inNamespace(NAMESPACE).withName(podName).get();
      await("the cluster's watches are open", () -> cluster.openWatches() > 0);

      assertTrue(cluster.closeWatches() > 0);
      k8s.pods().inNamespace(NAMESPACE).withName(podName).delete();

      // Resumed watches cannot be told of the deletion: they are ended with 410 Gone, and the
      // controller and the kubelet list again, see the pod gone and make and run a new one.
      Awaits.state(k8s.pods().inNamespace(NAMESPACE).withName(podName),
          p -> p != null && !p.getMetadata().getUid().equals(before.getMetadata().getUid()) && Readiness.isPodReady(p),
          DEADLINE);
      // The client's watch on its claim was closed too: resumed or listed again, it still sees
      // the claim's new pod IPs.
      await("the client notices the sandbox's new pod", sandbox::restartPending);
      assertThrows(SandboxRestartedException.class, () -> sandbox.commands().run("echo ok"));
      System.out.printf("pod deleted while watches were closed: commands refused with 502 before the router saw"
          + " the new pod: %d%n", runOnceTheRouterCaughtUp(sandbox));
    }
  }

  /**
   * Runs a command until it succeeds, for at most {@link #DEADLINE}. The router learns where a
   * Sandbox is through a watch of its own, which may still be reopening after a fault: until then
   * it answers 502 without forwarding. The SDK sends the command again within its retry policy;
   * a 502 that outlasts it reaches the caller.
   *
   * @return how many attempts the router refused
   */
  private static int runOnceTheRouterCaughtUp(dev.agentsandbox.client.Sandbox sandbox) {
    List<SandboxRequestException> refused = new ArrayList<>();
    await("a command runs once the router knows where the sandbox is", () -> {
      try {
        return "ok\n".equals(sandbox.commands().run("echo ok").stdout());
      } catch (SandboxRequestException e) {
        assertEquals(502, e.statusCode(), e.toString());
        refused.add(e);
        return false;
      }
    });
    return refused.size();
  }

  @Test
  void clientStartedWhileTheApiServerKeepsClosingWatchesBecomesReady() throws Exception {
    try (LocalSandboxCluster bare = LocalSandboxCluster.builder().controller(false).isolation(IsolationPolicy.NONE)
        .commandLauncher(false).start()) {
      bare.apply(template());
      KubernetesClient k8s = bare.client();
      WatchDropper dropper = new WatchDropper(bare);
      ExecutorService background = Executors.newSingleThreadExecutor();
      KubernetesClient controllerClient = null;
      SandboxController controller = null;
      try {
        dropper.start();
        Future<SandboxClient> building = background.submit(() -> SandboxClient.builder().kubernetesClient(k8s).connection(bare.tunnel())
            .templateName(TEMPLATE).readyTimeout(DEADLINE).build());
        await("the client created its claim",
            () -> !k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).list().getItems().isEmpty());
        int roundsAtCreation = dropper.rounds.get();
        // No controller runs yet: the client waits, and its watch is closed under it.
        await("watches closed twice while the client waits", () -> dropper.rounds.get() >= roundsAtCreation + 2);
        assertFalse(building.isDone(), "ready without a controller");

        controllerClient = new KubernetesClientBuilder().withConfig(bare.client().getConfiguration()).build();
        controller = SandboxController.start(controllerClient, ControllerOptions.defaults());

        try (SandboxClient sandbox = building.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
          dropper.stop();
          assertTrue(dropper.closed.get() > dropper.rounds.get(), "watches closed: " + dropper.closed.get());
          int refused = runOnceTheRouterCaughtUp(sandbox);
          System.out.printf("watch drops: %d rounds, %d watches closed; commands refused with 502 before the router"
              + " saw the Sandbox: %d%n", dropper.rounds.get(), dropper.closed.get(), refused);
        }
      } finally {
        dropper.stop();
        background.shutdownNow();
        if (controller != null) {
          controller.close();
        }
        if (controllerClient != null) {
          controllerClient.close();
        }
      }
    }
  }

  @Test
  void controllerRestartedMidBurstServesEveryClaimWithExactlyOneSandboxAndLeavesNoOrphan() throws Exception {
    int claims = 200;
    int poolSize = 40;
    try (LocalSandboxCluster bare = LocalSandboxCluster.builder().controller(false).routerNamespaces()
        .isolation(IsolationPolicy.NONE).commandLauncher(false).start()) {
      KubernetesClient k8s = bare.client();
      bare.apply(warmPoolManifest(poolSize));
      List<AutoCloseable> controllers = new ArrayList<>();
      ExecutorService creators = Executors.newFixedThreadPool(4);
      try {
        controllers.add(startController(bare));
        awaitObjects(k8s, "the pool's " + poolSize + " Sandboxes Ready", () -> readyPoolMembers(k8s) == poolSize);

        long burstStart = System.nanoTime();
        AtomicInteger created = new AtomicInteger();
        List<Future<?>> creating = new ArrayList<>();
        for (int i = 0; i < claims; i++) {
          SandboxClaim claim = claim(NAMESPACE, String.format("burst-%03d", i));
          creating.add(creators.submit(() -> {
            k8s.resource(claim).create();
            created.incrementAndGet();
          }));
        }
        await("a third of the burst created", () -> created.get() >= claims / 3);
        // As a rollout or a crash would: the first controller stops, a new one starts and finds
        // claims at every stage of being served.
        controllers.remove(0).close();
        long readyAtStop = readyClaims(k8s);
        int createdAtStop = created.get();
        controllers.add(startController(bare));
        for (Future<?> f : creating) {
          f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }

        awaitObjects(k8s, "all " + claims + " claims Ready", () -> readyClaims(k8s) == claims);

        List<SandboxClaim> all = k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).list().getItems();
        Map<String, String> claimBySandbox = new HashMap<>();
        for (SandboxClaim claim : all) {
          String previous = claimBySandbox.put(claim.getStatus().sandbox().name(), claim.getMetadata().getUid());
          assertEquals(null, previous, "Sandbox " + claim.getStatus().sandbox().name() + " serves two claims");
        }
        List<Sandbox> claimed = sandboxesOwnedBy(k8s, "SandboxClaim");
        assertEquals(claims, claimed.size(), "Sandboxes owned by claims (duplicates if more)");
        for (Sandbox sandbox : claimed) {
          assertEquals(1, sandbox.getMetadata().getOwnerReferences().size(), sandbox.getMetadata().getName());
          assertEquals(claimBySandbox.get(sandbox.getMetadata().getName()),
              sandbox.getMetadata().getOwnerReferences().get(0).getUid(), sandbox.getMetadata().getName());
        }
        Map<String, Long> podsBySandbox = podsBySandboxUid(k8s);
        for (Sandbox sandbox : claimed) {
          assertEquals(1L, podsBySandbox.get(sandbox.getMetadata().getUid()),
              "pods of " + sandbox.getMetadata().getName());
        }
        long warm = claimed.stream().filter(s -> s.getMetadata().getName().startsWith(POOL + "-")).count();
        System.out.printf("controller restart: stopped with %d claims created, %d Ready; %d claims Ready in %d ms,"
            + " %d served warm%n", createdAtStop, readyAtStop, claims,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burstStart), warm);

        k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).delete();
        awaitObjects(k8s, "the claims' Sandboxes gone", () -> sandboxesOwnedBy(k8s, "SandboxClaim").isEmpty());
        // What is left is the pool, refilled: one pod for each of its Sandboxes and no other.
        awaitObjects(k8s, "the pool's " + poolSize + " Sandboxes alone left, with one pod each",
            () -> podsMatchSandboxes(k8s)
                && k8s.resources(Sandbox.class).inNamespace(NAMESPACE).list().getItems().size() == poolSize);
      } finally {
        creators.shutdownNow();
        for (AutoCloseable c : controllers) {
          c.close();
        }
      }
    }
  }

  /** A controller with a client of its own, as a new process would have; both closed together. */
  private static AutoCloseable startController(LocalSandboxCluster target) {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(target.client().getConfiguration()).build();
    try {
      SandboxController controller = SandboxController.start(client, ControllerOptions.defaults());
      return () -> {
        try {
          controller.close();
        } finally {
          client.close();
        }
      };
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private static long readyClaims(KubernetesClient k8s) {
    return k8s.resources(SandboxClaim.class).inNamespace(NAMESPACE).list().getItems().stream()
        .filter(FaultInjectionTest::claimReady).count();
  }

  private static long readyPoolMembers(KubernetesClient k8s) {
    return k8s.resources(Sandbox.class).inNamespace(NAMESPACE)
        .withLabel(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of(POOL)).list()
        .getItems().stream().filter(s -> s.getStatus() != null && s.getStatus().condition(SandboxKeys.CONDITION_READY)
            .map(c -> "True".equals(c.getStatus())).orElse(false)).count();
  }

  private static List<Sandbox> sandboxesOwnedBy(KubernetesClient k8s, String kind) {
    return k8s.resources(Sandbox.class).inNamespace(NAMESPACE).list().getItems().stream()
        .filter(s -> s.getMetadata().getOwnerReferences().stream().anyMatch(o -> kind.equals(o.getKind())))
        .toList();
  }

  /** Every Sandbox has exactly one pod, and every pod belongs to a Sandbox that exists. */
  private static boolean podsMatchSandboxes(KubernetesClient k8s) {
    Map<String, Long> podsBySandbox = podsBySandboxUid(k8s);
    List<Sandbox> sandboxes = k8s.resources(Sandbox.class).inNamespace(NAMESPACE).list().getItems();
    return podsBySandbox.size() == sandboxes.size() && sandboxes.stream()
        .allMatch(s -> Long.valueOf(1).equals(podsBySandbox.get(s.getMetadata().getUid())));
  }

  private static Map<String, Long> podsBySandboxUid(KubernetesClient k8s) {
    Map<String, Long> count = new HashMap<>();
    for (Pod pod : k8s.pods().inNamespace(NAMESPACE).list().getItems()) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String owner = pod.getMetadata().getOwnerReferences().stream().filter(o -> "Sandbox".equals(o.getKind()))
          .map(o -> o.getUid()).findFirst().orElse("none: " + pod.getMetadata().getName());
      count.merge(owner, 1L, Long::sum);
    }
    return count;
  }

  /**
   * Closes every watch of the API server, waits until as many are open again (the clients
   * watched again), and again, until stopped.
   */
  private static final class WatchDropper {
    private final LocalSandboxCluster target;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread thread;
    final AtomicInteger rounds = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    WatchDropper(LocalSandboxCluster target) {
      this.target = target;
      this.thread = new Thread(this::run, "watch-dropper");
    }

    void start() {
      thread.start();
    }

    private void run() {
      while (!stopped.get()) {
        int n = target.closeWatches();
        closed.addAndGet(n);
        rounds.incrementAndGet();
        // Some watches end for good when their owners are done with them: wait a bounded time.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!stopped.get() && target.openWatches() < Math.max(1, n) && System.nanoTime() < deadline) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
      }
    }

    void stop() throws InterruptedException {
      stopped.set(true);
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  // --- fixtures

  private static String template() {
    try (InputStream yaml = FaultInjectionTest.class.getResourceAsStream("/python-runtime-template.yaml")) {
      return new String(yaml.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tutorial's template and warm pool, with commands not isolated and a pool of {@code size}. */
  private static String warmPoolManifest(int size) {
    try (InputStream yaml = FaultInjectionTest.class.getResourceAsStream("/sandbox-template-and-pool.yaml")) {
      return new String(yaml.readAllBytes(), StandardCharsets.UTF_8).replace("runtimeClassName: gvisor", "")
          .replace("replicas: 2", "replicas: " + size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SandboxClaim claim(String ns, String name) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(TEMPLATE));
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.getMetadata().setNamespace(ns);
    claim.setSpec(spec);
    return claim;
  }

  static boolean claimReady(SandboxClaim claim) {
    return claim.getStatus() != null && claim.getStatus().sandbox() != null
        && claim.getStatus().sandbox().name() != null && ready(claim.getStatus().conditions());
  }

  private static boolean ready(List<io.fabric8.kubernetes.api.model.Condition> conditions) {
    return conditions != null && conditions.stream()
        .anyMatch(c -> SandboxKeys.CONDITION_READY.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Waits until {@code condition} holds, checking every 10 ms, for at most {@link #DEADLINE}. */
  static void await(String what, BooleanSupplier condition) {
    await(what, Duration.ofMillis(10), condition);
  }

  /** Like {@link #await(String, Duration, BooleanSupplier)}, telling the Sandboxes and pods on failure. */
  private static void awaitObjects(KubernetesClient k8s, String what, BooleanSupplier condition) {
    try {
      await(what, SLOW_POLL, condition);
    } catch (AssertionError e) {
      Map<String, Long> sandboxesByOwner = new HashMap<>();
      for (Sandbox s : k8s.resources(Sandbox.class).inNamespace(NAMESPACE).list().getItems()) {
        sandboxesByOwner.merge(s.getMetadata().getOwnerReferences().stream().map(o -> o.getKind())
            .toList().toString(), 1L, Long::sum);
      }
      throw new AssertionError(e.getMessage() + "; Sandboxes by owners: " + sandboxesByOwner
          + "; pods by Sandbox uid: " + podsBySandboxUid(k8s), e);
    }
  }

  /**
   * Waits until {@code condition} holds, for at most {@link #DEADLINE}, checking it every
   * {@code period}: conditions that list hundreds of objects are checked less often.
   */
  static void await(String what, Duration period, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within " + DEADLINE + ": " + what);
      LockSupport.parkNanos(period.toNanos());
    }
  }
}
