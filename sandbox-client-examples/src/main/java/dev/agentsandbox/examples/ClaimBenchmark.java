package dev.agentsandbox.examples;

import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPoolSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.runtime.IsolationPolicy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures how fast claims become Ready on the embedded cluster, with and without a warm pool:
 *
 * <ul>
 *   <li>claim-to-ready, cold: one claim at a time with {@code warmpool: none}, from creating the
 *       SandboxClaim to seeing its Ready condition through a watch;
 *   <li>claim-to-ready, warm: the same with a warm pool of the template that is full and Ready
 *       before every claim;
 *   <li>sustained: several threads create claims for a while, as fast as they can or at a
 *       given rate ({@code --rate}), against a warm pool; reported as claims reaching Ready per
 *       second, second by second and overall, with the share served warm and the latency
 *       percentiles, and the CPU used per claim, split by component of the cluster (API server,
 *       controller, router, the rest, the JVM's collector and compiler). Then, once the pool is
 *       full and Ready again (the controller refills it behind the claims), the CPU per claim and
 *       the claims per second over that whole cycle. With
 *       {@code --warmup}, the same load runs first for that long, unmeasured, and its claims are
 *       deleted before the measured run.
 * </ul>
 *
 * <pre>
 * usage: ClaimBenchmark [--claims N] [--pool N] [--seconds N] [--threads N] [--sustained-pool N]
 *                      [--rate N] [--warmup SECONDS]
 * </pre>
 */
public final class ClaimBenchmark {
  private static final String TEMPLATE = "python-runtime-template";
  private static final String POOL = "bench-pool";

  /** What CPU time is accounted to, in the order it is printed. */
  private enum Component {
    API_SERVER("API server"),
    CONTROLLER("controller"),
    ROUTER("router"),
    OTHER_THREADS("kubelet, pods, load and the rest"),
    /** What the JVM uses besides the Java threads: the collector and the JIT compiler. */
    JVM_THREADS("JVM (GC, JIT)");

    private final String label;

    Component(String label) {
      this.label = label;
    }
  }

  private final KubernetesClient client;
  private final Map<String, CompletableFuture<Long>> readyAt = new ConcurrentHashMap<>();
  private final Map<String, String> sandboxOf = new ConcurrentHashMap<>();
  private final AtomicInteger names = new AtomicInteger();

  private ClaimBenchmark(KubernetesClient client) {
    this.client = client;
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    int claims = 100;
    int pool = 10;
    int seconds = 10;
    int threads = 4;
    int sustainedPool = 100;
    int rate = 0;
    int warmup = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--claims" -> claims = Integer.parseInt(args[i + 1]);
        case "--pool" -> pool = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--sustained-pool" -> sustainedPool = Integer.parseInt(args[i + 1]);
        case "--rate" -> rate = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    try (LocalSandboxCluster cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
        InputStream yaml = ClaimBenchmark.class.getResourceAsStream("/python-runtime-template.yaml")) {
      cluster.apply(yaml);
      System.out.printf(Locale.ROOT, "ClaimBenchmark: %d claims, pool %d, sustained %d s x %d threads at %s "
              + "(pool %d), %d cores, Java %s%n", claims, pool, seconds, threads,
          rate > 0 ? rate + " claims/s" : "full speed", sustainedPool,
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
      ClaimBenchmark bench = new ClaimBenchmark(cluster.client());
      try (Watch ignored = bench.watchClaims()) {
        bench.sequential(Math.max(5, claims / 5), false, 0); // warm-up
        Latencies.report("claim-to-ready, cold (warmpool: none)", 46, bench.sequential(claims, false, 0));
        bench.createPool(pool);
        Latencies.report("claim-to-ready, warm (pool full and Ready)", 46, bench.sequential(claims, true, pool));
        bench.scalePool(sustainedPool);
        bench.awaitPoolReady(sustainedPool);
        if (warmup > 0) {
          // The same load first, unmeasured, so that the JIT has compiled what it exercises.
          List<String> warmupClaims = bench.sustained("warm-up", warmup, threads, rate, sustainedPool);
          bench.deleteClaims(warmupClaims);
          bench.awaitPoolReady(sustainedPool);
        }
        bench.sustained("sustained", seconds, threads, rate, sustainedPool);
      }
    }
  }

  private Watch watchClaims() {
    return client.resources(SandboxClaim.class).inNamespace("default").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, SandboxClaim claim) {
        if (claim.getStatus() != null && claim.getStatus().sandbox() != null
            && claim.getStatus().condition(SandboxKeys.CONDITION_READY).map(c -> "True".equals(c.getStatus()))
                .orElse(false)) {
          long now = System.nanoTime();
          sandboxOf.put(claim.getMetadata().getName(), claim.getStatus().sandbox().name());
          readyAt.computeIfAbsent(claim.getMetadata().getName(), n -> new CompletableFuture<>()).complete(now);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    });
  }

  /** Claims one at a time; with {@code warm}, waits for a full Ready pool before each. */
  private long[] sequential(int count, boolean warm, int pool) throws Exception {
    long[] times = new long[count];
    for (int i = 0; i < count; i++) {
      if (warm) {
        awaitPoolReady(pool);
      }
      String name = "bench-" + names.incrementAndGet();
      CompletableFuture<Long> ready = readyAt.computeIfAbsent(name, n -> new CompletableFuture<>());
      long start = System.nanoTime();
      client.resource(claim(name, warm)).create();
      times[i] = ready.get(60, TimeUnit.SECONDS) - start;
      if (warm && !sandboxOf.get(name).startsWith(POOL + "-")) {
        System.out.println("note: claim " + name + " was served cold");
      }
      client.resources(SandboxClaim.class).inNamespace("default").withName(name).delete();
    }
    return times;
  }

  /**
   * {@code threads} threads create claims for {@code seconds}: as fast as they can when
   * {@code rate} is 0, else together at {@code rate} claims per second, each at its scheduled
   * time whatever became of the earlier ones (an open loop, so a slow cluster cannot slow down
   * the load it is offered).
   */
  private List<String> sustained(String phase, int seconds, int threads, int rate, int pool) throws Exception {
    List<String> created = java.util.Collections.synchronizedList(new ArrayList<>());
    Map<String, Long> startedAt = new ConcurrentHashMap<>();
    ExecutorService creators = Executors.newFixedThreadPool(threads);
    long cpuBefore = processCpuNanos();
    Map<Long, Long> threadsBefore = threadCpuNanos();
    long gcBefore = gcMillis();
    long begin = System.nanoTime();
    long end = begin + TimeUnit.SECONDS.toNanos(seconds);
    AtomicInteger sequence = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      creators.submit(() -> {
        while (System.nanoTime() < end) {
          if (rate > 0) {
            long due = begin + sequence.getAndIncrement() * 1_000_000_000L / rate;
            if (due >= end) {
              break;
            }
            // Pacing the offered load, not waiting for a result.
            LockSupport.parkNanos(due - System.nanoTime());
          }
          String name = "load-" + names.incrementAndGet();
          readyAt.computeIfAbsent(name, n -> new CompletableFuture<>());
          startedAt.put(name, System.nanoTime());
          client.resource(claim(name, true)).create();
          created.add(name);
        }
        return null;
      });
    }
    creators.shutdown();
    creators.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
    long createdBy = System.nanoTime();
    long[] latencies = new long[created.size()];
    long[] readyTimes = new long[created.size()];
    int warm = 0;
    long lastReady = begin;
    for (int i = 0; i < created.size(); i++) {
      String name = created.get(i);
      long ready = readyAt.get(name).get(120, TimeUnit.SECONDS);
      readyTimes[i] = ready;
      latencies[i] = ready - startedAt.get(name);
      lastReady = Math.max(lastReady, ready);
      warm += sandboxOf.get(name).startsWith(POOL + "-") ? 1 : 0;
    }
    long cpu = processCpuNanos() - cpuBefore;
    Map<Component, Long> byComponent = cpuByComponent(threadsBefore);
    long gc = gcMillis() - gcBefore;
    int[] perSecond = new int[(int) ((lastReady - begin) / 1_000_000_000L) + 1];
    for (long ready : readyTimes) {
      perSecond[(int) ((ready - begin) / 1_000_000_000L)]++;
    }
    System.out.println(phase + ": claims reaching Ready, second by second: " + Arrays.toString(perSecond));
    double createSeconds = (createdBy - begin) / 1e9;
    double readySeconds = (lastReady - begin) / 1e9;
    System.out.printf(Locale.ROOT, "%s: %d claims created in %.2f s (%.0f/s); all Ready after %.2f s: "
            + "%.0f claims/s reaching Ready; %d served warm, %d cold%n", phase, created.size(), createSeconds,
        created.size() / createSeconds, readySeconds, created.size() / readySeconds, warm, created.size() - warm);
    if (cpu >= 0 && !created.isEmpty()) {
      int cores = Runtime.getRuntime().availableProcessors();
      System.out.printf(Locale.ROOT, "%s: CPU of this JVM until the last Ready: %.2f ms per claim, %.0f%% of %d cores "
          + "(garbage collection pauses %d ms)%n", phase, cpu / 1e6 / created.size(),
          100.0 * cpu / (lastReady - begin) / cores, cores, gc);
      long java = byComponent.values().stream().mapToLong(Long::longValue).sum();
      long jvm = Math.max(0, cpu - java);
      System.out.println(phase + ": CPU ms per claim by component: " + perClaim(byComponent, cpu, created.size()));
      long controller = byComponent.get(Component.CONTROLLER);
      if (controller > 0 && java > 0) {
        // The controller's share of the collector's and compiler's work, in proportion to its own.
        double withJvm = controller + (double) jvm * controller / java;
        System.out.printf(Locale.ROOT, "%s: the controller uses %.2f ms per claim with its share of the JVM's: "
            + "with %d cores of its own it would keep up with %.0f claims/s%n", phase, withJvm / 1e6 / created.size(),
            cores, cores * 1e9 * created.size() / withJvm);
      }
    }
    Latencies.report("claim-to-ready, " + phase, 46, latencies);
    // The controller refills pools behind claims: the whole cycle is what a pool can keep up with.
    awaitPoolReady(pool);
    double cycleSeconds = (System.nanoTime() - begin) / 1e9;
    long cycleCpu = processCpuNanos() - cpuBefore;
    if (cycleCpu >= 0 && !created.isEmpty()) {
      System.out.printf(Locale.ROOT, "%s: pool of %d full and Ready again after %.2f s: with the refill, %.2f ms of "
              + "CPU per claim and %.0f claims/s over the whole cycle%n", phase, pool, cycleSeconds,
          cycleCpu / 1e6 / created.size(), created.size() / cycleSeconds);
      System.out.println(phase + ": with the refill, CPU ms per claim by component: "
          + perClaim(cpuByComponent(threadsBefore), cycleCpu, created.size()));
    }
    return List.copyOf(created);
  }

  /**
   * The components' CPU per claim, in milliseconds, with what the JVM used besides its Java threads
   * (collector, JIT compiler) as one more component; adds that to {@code byComponent}.
   */
  private static String perClaim(Map<Component, Long> byComponent, long cpu, int claims) {
    long java = byComponent.values().stream().mapToLong(Long::longValue).sum();
    byComponent.put(Component.JVM_THREADS, Math.max(0, cpu - java));
    StringBuilder parts = new StringBuilder();
    byComponent.forEach((component, nanos) -> parts.append(String.format(Locale.ROOT, "%s%s %.2f",
        parts.length() == 0 ? "" : ", ", component.label, nanos / 1e6 / claims)));
    return parts.toString();
  }

  /** CPU time used by this JVM so far, or -1 where the platform does not tell. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
  }

  /** CPU time of every live thread so far, by thread id. */
  private static Map<Long, Long> threadCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    if (threads.isThreadCpuTimeSupported()) {
      for (long id : threads.getAllThreadIds()) {
        cpu.put(id, threads.getThreadCpuTime(id));
      }
    }
    return cpu;
  }

  /**
   * CPU time of the threads alive now since {@code before}, by component of the embedded cluster,
   * told apart by thread group (names change while a thread serves a call). Threads that ended
   * meanwhile are not counted.
   */
  private static Map<Component, Long> cpuByComponent(Map<Long, Long> before) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Component, Long> cpu = new EnumMap<>(Component.class);
    for (Component component : Component.values()) {
      if (component != Component.JVM_THREADS) {
        cpu.put(component, 0L);
      }
    }
    if (!threads.isThreadCpuTimeSupported()) {
      return cpu;
    }
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      long now = threads.getThreadCpuTime(thread.getId());
      ThreadGroup group = thread.getThreadGroup();
      if (now < 0 || group == null) {
        continue;
      }
      // The groups of the controller's reconcilers and of each component's client (tasks, HTTP).
      String groupName = group.getName();
      Component component = groupName.equals("sandbox-reconcilers") || groupName.startsWith("local-controller")
          ? Component.CONTROLLER
          : groupName.startsWith("local-router") ? Component.ROUTER
          : thread.getName().startsWith("local-api-server-") ? Component.API_SERVER
          : Component.OTHER_THREADS;
      cpu.merge(component, now - before.getOrDefault(thread.getId(), 0L), Long::sum);
    }
    return cpu;
  }

  /** Time spent collecting garbage so far, by every collector. */
  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  /**
   * Deletes the claims, then waits until their Sandboxes and pods are gone, so that the garbage
   * collection they cause is over before anything is measured.
   */
  private void deleteClaims(List<String> names) throws Exception {
    Set<String> sandboxes = new HashSet<>();
    names.forEach(name -> sandboxes.add(sandboxOf.get(name)));
    awaitGone(Sandbox.class, sandboxes, () -> {
      for (String name : names) {
        client.resources(SandboxClaim.class).inNamespace("default").withName(name).delete();
      }
    });
    // A Sandbox's pod has its name.
    awaitGone(Pod.class, sandboxes, () -> { });
  }

  /** Runs {@code action}, then waits (with one watch) until none of the named objects exists. */
  private <T extends HasMetadata> void awaitGone(Class<T> type, Set<String> names, Runnable action) throws Exception {
    Set<String> remaining = ConcurrentHashMap.newKeySet();
    remaining.addAll(names);
    CompletableFuture<Void> gone = new CompletableFuture<>();
    try (Watch ignored = client.resources(type).inNamespace("default").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action event, T object) {
        if (event == Action.DELETED && remaining.remove(object.getMetadata().getName()) && remaining.isEmpty()) {
          gone.complete(null);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        gone.completeExceptionally(cause);
      }
    })) {
      action.run();
      // Objects gone before the watch started send no event.
      Set<String> present = new HashSet<>();
      client.resources(type).inNamespace("default").list().getItems()
          .forEach(o -> present.add(o.getMetadata().getName()));
      remaining.retainAll(present);
      if (!remaining.isEmpty()) {
        gone.get(120, TimeUnit.SECONDS);
      }
    }
  }

  private void createPool(int replicas) {
    SandboxWarmPool pool = new SandboxWarmPool();
    pool.getMetadata().setName(POOL);
    pool.setSpec(new SandboxWarmPoolSpec(replicas, new TemplateRef(TEMPLATE), null));
    client.resources(SandboxWarmPool.class).inNamespace("default").resource(pool).create();
  }

  private void scalePool(int replicas) {
    client.resources(SandboxWarmPool.class).inNamespace("default").withName(POOL).scale(replicas);
  }

  /**
   * Waits until the pool has {@code replicas} Ready members, counted from the Sandboxes themselves:
   * the pool's status lags while its reconcile waits behind claims.
   */
  private void awaitPoolReady(int replicas) throws Exception {
    client.resources(Sandbox.class).inNamespace("default").withLabel(SandboxKeys.WARM_POOL_SANDBOX, NameHash.of(POOL))
        .informOnCondition(members -> members.stream().filter(ClaimBenchmark::isReadyMember).count() >= replicas)
        .get(120, TimeUnit.SECONDS);
  }

  private static boolean isReadyMember(Sandbox sandbox) {
    return sandbox.getMetadata().getDeletionTimestamp() == null && sandbox.getStatus() != null
        && sandbox.getStatus().condition(SandboxKeys.CONDITION_READY).map(c -> "True".equals(c.getStatus()))
            .orElse(false);
  }

  private static SandboxClaim claim(String name, boolean warm) {
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.getMetadata().setNamespace("default");
    claim.getMetadata().setLabels(Map.of(SandboxKeys.CREATED_BY, "java-claim-benchmark"));
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(TEMPLATE),
        warm ? SandboxClaimSpec.WARMPOOL_DEFAULT : SandboxClaimSpec.WARMPOOL_NONE, null, null, null);
    claim.setSpec(spec);
    return claim;
  }
}
