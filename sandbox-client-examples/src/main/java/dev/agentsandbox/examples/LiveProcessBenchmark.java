package dev.agentsandbox.examples;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.NoDelayHttpClientFactory;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.Runtime;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.runtime.IsolationPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Measures live processes on sandboxd: how soon a chunk a process writes reaches the client,
 * stdout throughput through the tunnel, and many live processes across many sandboxes from one
 * client JVM (its threads, heap and open files). Runs on an embedded cluster in this JVM by
 * default (thread and file counts then include the cluster's), or, with {@code --kubeconfig}, on
 * a cluster in another process (such as {@code LocalClusterMain} with {@code sandboxd-template.yaml}
 * applied), which counts the client alone. {@code --in-cluster} goes to the pods' addresses
 * instead of through tunnels (a cluster in another process must then run its runtimes without
 * tokens: {@code LocalClusterMain --no-runtime-token}).
 *
 * <pre>
 * usage: LiveProcessBenchmark [--kubeconfig FILE] [--in-cluster] [--latency-runs N] [--throughput-mib N]
 *                             [--sandboxes N] [--processes N]
 * </pre>
 */
public final class LiveProcessBenchmark {
  private static final String TEMPLATE = "sandboxd-template";
  private static final long WAIT_SECONDS = 600;

  private LiveProcessBenchmark() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    String kubeconfig = null;
    int latencyRuns = 200;
    long throughputMib = 1024;
    int sandboxes = 100;
    int processes = 1000;
    boolean inCluster = false;
    for (int i = 0; i < args.length; i += 2) {
      if (args[i].equals("--in-cluster")) {
        inCluster = true;
        i--;
        continue;
      }
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--kubeconfig" -> kubeconfig = value;
        case "--latency-runs" -> latencyRuns = Integer.parseInt(value);
        case "--throughput-mib" -> throughputMib = Long.parseLong(value);
        case "--sandboxes" -> sandboxes = Integer.parseInt(value);
        case "--processes" -> processes = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    if (kubeconfig == null) {
      // In the cluster's network (pod IPs), a client presents no runtime token, as on a real cluster.
      try (LocalSandboxCluster cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE)
          .runtimeAuthentication(!inCluster).start();
          InputStream yaml = LiveProcessBenchmark.class.getResourceAsStream("/sandboxd-template.yaml")) {
        cluster.apply(yaml);
        System.out.println("cluster: embedded in this JVM (thread and file counts include it), isolation none, "
            + (inCluster ? "in-cluster (pod IPs)" : "tunnels to the pods"));
        run(cluster.client(), inCluster ? ConnectionMode.inCluster() : ConnectionMode.tunnel(), latencyRuns,
            throughputMib, sandboxes, processes);
      }
    } else {
      System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig);
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.autoConfigure(null))
          .withHttpClientFactory(new NoDelayHttpClientFactory()).build()) {
        System.out.println("cluster: " + client.getMasterUrl() + " (another process), "
            + (inCluster ? "in-cluster (pod IPs)" : "tunnels to the pods"));
        run(client, inCluster ? ConnectionMode.inCluster() : ConnectionMode.tunnel(), latencyRuns, throughputMib,
            sandboxes, processes);
      }
    }
  }

  private static void run(KubernetesClient client, ConnectionMode connection, int latencyRuns, long throughputMib,
      int sandboxCount, int processCount) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", "
        + java.lang.Runtime.getRuntime().availableProcessors() + " cores, max heap "
        + java.lang.Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    try (SandboxFleet fleet = SandboxFleet.builder().kubernetesClient(client).connection(connection)
        .readyTimeout(Duration.ofMinutes(5)).build()) {
      SandboxOptions options = SandboxOptions.builder().templateName(TEMPLATE).runtime(Runtime.SANDBOXD).build();
      Sandbox first = fleet.create(options);
      firstChunk(first, latencyRuns);
      throughput(first, throughputMib << 20);
      scale(fleet, options, first, sandboxCount, processCount);
    }
  }

  /** The time from a process's write (its own clock reading) to the chunk's arrival here. */
  private static void firstChunk(Sandbox sandbox, int runs) throws Exception {
    for (int warm = 0; warm < 20; warm++) {
      sandbox.commands().run(ProcessSpec.of("true"));
    }
    long[] writeToArrival = new long[runs];
    long[] startToArrival = new long[runs];
    for (int i = 0; i < runs; i++) {
      CompletableFuture<long[]> arrival = new CompletableFuture<>();
      long started = System.nanoTime();
      try (SandboxProcess date = sandbox.commands().start(ProcessSpec.of("date", "+%s%N"))) {
        date.onStdoutLine(line -> {
          Instant now = Instant.now();
          arrival.complete(new long[] {System.nanoTime(), now.getEpochSecond() * 1_000_000_000L + now.getNano(),
              Long.parseLong(line.strip())});
        });
        long[] seen = arrival.get(WAIT_SECONDS, TimeUnit.SECONDS);
        writeToArrival[i] = seen[1] - seen[2];
        startToArrival[i] = seen[0] - started;
        date.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
    }
    Latencies.report("first chunk: write to arrival", 34, writeToArrival);
    Latencies.report("first chunk: start() to arrival", 34, startToArrival);
  }

  /** A command writing {@code bytes} to stdout, read to the end by a subscriber. */
  private static void throughput(Sandbox sandbox, long bytes) throws Exception {
    CompletableFuture<Long> done = new CompletableFuture<>();
    long started = System.nanoTime();
    try (SandboxProcess zeros = sandbox.commands().start(ProcessSpec.of("head", "-c", Long.toString(bytes),
        "/dev/zero"))) {
      zeros.stdout().subscribe(new Flow.Subscriber<>() {
        private Flow.Subscription subscription;
        private long received;

        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          s.request(16);
        }

        @Override
        public void onNext(ByteBuffer chunk) {
          received += chunk.remaining();
          subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
          done.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
          done.complete(received);
        }
      });
      long received = done.get(WAIT_SECONDS, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - started) / 1e9;
      zeros.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      System.out.printf("stdout throughput: %d MiB in %.2f s = %.0f MB/s%n", received >> 20, seconds,
          received / 1e6 / seconds);
    }
  }

  /** Many live processes (each a cat, proven live by an echo) across many sandboxes. */
  private static void scale(SandboxFleet fleet, SandboxOptions options, Sandbox first, int sandboxCount,
      int processCount) throws Exception {
    long createStart = System.nanoTime();
    List<Sandbox> sandboxes = new ArrayList<>(List.of(first));
    ExecutorService creators = Executors.newFixedThreadPool(8);
    List<Future<Sandbox>> created = new ArrayList<>();
    for (int i = 1; i < sandboxCount; i++) {
      created.add(creators.submit(() -> fleet.create(options)));
    }
    for (Future<Sandbox> sandbox : created) {
      sandboxes.add(sandbox.get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
    creators.shutdown();
    System.out.printf("%d sandboxes ready in %.1f s%n", sandboxes.size(), (System.nanoTime() - createStart) / 1e9);
    Usage before = Usage.now();
    long startAll = System.nanoTime();
    List<SandboxProcess> running = new ArrayList<>();
    List<CompletableFuture<String>> echoes = new ArrayList<>();
    try {
      for (int i = 0; i < processCount; i++) {
        SandboxProcess cat = sandboxes.get(i % sandboxes.size()).commands().start(ProcessSpec.of("cat"));
        running.add(cat);
        CompletableFuture<String> echo = new CompletableFuture<>();
        cat.onStdoutLine(echo::complete);
        echoes.add(echo);
      }
      double startSeconds = (System.nanoTime() - startAll) / 1e9;
      for (int i = 0; i < running.size(); i++) {
        OutputStream stdin = running.get(i).stdin();
        stdin.write(("ping " + i + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      }
      for (int i = 0; i < echoes.size(); i++) {
        String echoed = echoes.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
        if (!echoed.equals("ping " + i)) {
          throw new IllegalStateException("process " + i + " echoed '" + echoed + "'");
        }
      }
      Usage during = Usage.now();
      System.out.printf("%d live processes across %d sandboxes: started in %.1f s, all echoed; client JVM: threads"
          + " %d (before %d), heap used %d MiB (before %d), open files %d (before %d)%n", running.size(),
          sandboxes.size(), startSeconds, during.threads, before.threads, during.heapMib, before.heapMib,
          during.files, before.files);
      System.out.println("threads by name: " + threadsByName());
    } finally {
      long closeStart = System.nanoTime();
      running.forEach(SandboxProcess::close);
      for (SandboxProcess process : running) {
        process.onExit().handle((result, failure) -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
      System.out.printf("closed them in %.1f s%n", (System.nanoTime() - closeStart) / 1e9);
    }
  }

  /** Live threads grouped by name without digits, largest groups first. */
  private static String threadsByName() {
    Map<String, Long> groups = Thread.getAllStackTraces().keySet().stream()
        .collect(Collectors.groupingBy(t -> t.getName().replaceAll("[0-9]+", "N"), Collectors.counting()));
    return groups.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
  }

  /** What the JVM holds: live threads, heap in use after a collection, open file descriptors. */
  private record Usage(int threads, long heapMib, long files) {
    static Usage now() throws Exception {
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
      long files;
      try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        files = fds.count();
      }
      return new Usage(ManagementFactory.getThreadMXBean().getThreadCount(), heap, files);
    }
  }
}
