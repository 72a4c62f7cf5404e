package dev.agentsandbox.examples;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.RouterProtocol;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.runtime.IsolationPolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Measures the embedded cluster end to end and prints percentiles:
 *
 * <ul>
 *   <li>claim-to-ready (cold): from creating a SandboxClaim to its Ready condition, seen through
 *       a watch; and {@code SandboxClient.build()} as a whole (claim, readiness, tunnel);
 *   <li>{@code run("true")} round trips: through the port-forward tunnel and the router (the
 *       default), through the router only (direct mode); plain HTTP {@code POST /execute} through
 *       the router and straight to the runtime; and the cost of spawning {@code true} in this JVM,
 *       for comparison.
 * </ul>
 *
 * <pre>
 * usage: SandboxBenchmark [--runs N] [--claims N] [--isolation none|auto|required]
 * </pre>
 */
public final class SandboxBenchmark {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final long WARMUP_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

  private SandboxBenchmark() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    int runs = 2000;
    int claims = 50;
    IsolationPolicy isolation = IsolationPolicy.NONE;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[i + 1]);
        case "--claims" -> claims = Integer.parseInt(args[i + 1]);
        case "--isolation" -> isolation = IsolationPolicy.parse(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    // One path below goes straight to a runtime, which by default serves only the cluster's own
    // components; the token check that this turns off costs microseconds.
    try (LocalSandboxCluster cluster = LocalSandboxCluster.builder().isolation(isolation)
        .runtimeAuthentication(false).start();
        InputStream yaml = SandboxBenchmark.class.getResourceAsStream("/python-runtime-template.yaml")) {
      cluster.apply(yaml);
      System.out.printf(Locale.ROOT, "SandboxBenchmark: %d runs, %d claims, isolation %s, %d cores, Java %s, launch %s%n",
          runs, claims, cluster.isolation(), Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"), System.getProperty("jdk.lang.Process.launchMechanism", "default"));
      KubernetesClient client = cluster.client();

      claimToReady(client, Math.max(5, claims / 5), false); // warm-up
      Latencies.report("claim-to-ready, cold (create -> Ready via watch)", 52, claimToReady(client, claims, true));
      Latencies.report("SandboxClient.build(), cold (claim, Ready, tunnel)", 52, buildTimes(client, cluster.tunnel(), claims));

      Pod router = client.pods().withLabel("app", "sandbox-router").list().getItems().get(0);
      String routerUrl = "http://" + router.getStatus().getPodIP() + ":8080";
      OkHttpClient http = new OkHttpClient.Builder().build();
      try (SandboxClient sandbox = SandboxClient.builder().kubernetesClient(client)
          .templateName("python-runtime-template").connection(cluster.tunnel()).build();
          SandboxClient direct = SandboxClient.builder().kubernetesClient(client)
              .templateName("python-runtime-template")
              .connection(ConnectionMode.direct(routerUrl).withAuthToken(cluster.routerAuthToken())).build()) {
        Pod pod = client.pods().withName(sandbox.sandboxName()).get();
        Request viaRouter = execute(routerUrl, Map.of(RouterProtocol.HEADER_SANDBOX_ID, sandbox.sandboxName(),
            RouterProtocol.HEADER_SANDBOX_NAMESPACE, "default", "Authorization", "Bearer " + cluster.routerAuthToken()));
        Request toRuntime = execute("http://" + pod.getStatus().getPodIP() + ":8888", Map.of());
        ProcessBuilder spawn = new ProcessBuilder("true");
        // Interleaved, so that every path sees the same machine, JIT and GC conditions.
        Probe[] probes = {
          new Probe("run(\"true\") via tunnel + router", () -> sandbox.run("true")),
          new Probe("run(\"true\") via router only (direct mode)", () -> direct.run("true")),
          new Probe("POST /execute true via router (plain OkHttp)", () -> call(http, viaRouter)),
          new Probe("POST /execute true, straight to the runtime", () -> call(http, toRuntime)),
          new Probe("spawn true in this JVM", () -> spawn.start().waitFor()),
        };
        long warmupStart = System.nanoTime();
        int warmupRounds = warmUp(probes, Math.max(500, runs / 5));
        System.out.printf(Locale.ROOT, "warm-up: %d rounds in %.1f s (until the JIT compiler was quiet)%n",
            warmupRounds, (System.nanoTime() - warmupStart) / 1e9);
        long compiledBefore = compileMillis();
        long[][] times = new long[probes.length][runs];
        for (int i = 0; i < runs; i++) {
          for (int p = 0; p < probes.length; p++) {
            long begin = System.nanoTime();
            probes[p].action().run();
            times[p][i] = System.nanoTime() - begin;
          }
        }
        for (int p = 0; p < probes.length; p++) {
          Latencies.report(probes[p].name(), 52, times[p]);
        }
        System.out.printf(Locale.ROOT, "JIT compilation during the measured rounds: %d ms%n",
            compileMillis() - compiledBefore);
      } finally {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
      }
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private record Probe(String name, Action action) {
  }

  private static Request execute(String baseUrl, Map<String, String> headers) {
    Request.Builder builder = new Request.Builder().url(baseUrl + "/execute")
        .post(RequestBody.create("{\"command\":\"true\"}", JSON));
    headers.forEach(builder::header);
    return builder.build();
  }

  private static void call(OkHttpClient http, Request request) throws IOException {
    try (Response response = http.newCall(request).execute()) {
      response.body().bytes();
    }
  }

  private static long[] claimToReady(KubernetesClient client, int count, boolean measure) {
    long[] times = new long[count];
    for (int i = 0; i < count; i++) {
      SandboxClaim claim = new SandboxClaim();
      claim.getMetadata().setName("bench-" + (measure ? "m" : "w") + "-" + i);
      claim.getMetadata().setLabels(Map.of(SandboxKeys.CREATED_BY, "java-client-benchmark"));
      SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef("python-runtime-template"));
      claim.setSpec(spec);
      long start = System.nanoTime();
      var resource = client.resources(SandboxClaim.class).resource(claim);
      resource.create();
      resource.waitUntilCondition(c -> c != null && c.getStatus() != null
          && c.getStatus().condition(SandboxKeys.CONDITION_READY).map(r -> "True".equals(r.getStatus())).orElse(false),
          60, TimeUnit.SECONDS);
      times[i] = System.nanoTime() - start;
      resource.delete();
    }
    return times;
  }

  private static long[] buildTimes(KubernetesClient client, ConnectionMode connection, int count) {
    long[] times = new long[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      SandboxClient sandbox = SandboxClient.builder().kubernetesClient(client).connection(connection)
          .templateName("python-runtime-template").build();
      times[i] = System.nanoTime() - start;
      sandbox.close();
    }
    return times;
  }

  /**
   * Runs every probe at least {@code minRounds} times, then on in blocks until the JIT compiler
   * spent under 2 % of a block's time compiling (a steady state, as in a long-running service),
   * or {@link #WARMUP_LIMIT_NANOS} passed. Returns the number of rounds run.
   */
  private static int warmUp(Probe[] probes, int minRounds) throws Exception {
    long start = System.nanoTime();
    int rounds = 0;
    while (true) {
      long blockStart = System.nanoTime();
      long compiledBefore = compileMillis();
      int block = rounds == 0 ? minRounds : 250;
      for (int i = 0; i < block; i++) {
        for (Probe probe : probes) {
          probe.action().run();
        }
      }
      rounds += block;
      long blockMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blockStart);
      boolean quiet = compileMillis() - compiledBefore < blockMillis / 50;
      if (quiet || System.nanoTime() - start > WARMUP_LIMIT_NANOS) {
        return rounds;
      }
    }
  }

  private static long compileMillis() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
  }
}
