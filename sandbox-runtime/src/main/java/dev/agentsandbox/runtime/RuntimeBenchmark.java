package dev.agentsandbox.runtime;

import dev.agentsandbox.runtime.internal.ProcessLaunch;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Measures the cost of {@code POST /execute {"command":"true"}} against a local runtime, next to
 * the cost of starting {@code true} directly, and prints p50/p99 of each.
 *
 * <p>Usage: {@code RuntimeBenchmark [iterations] [warmup]}, defaults 2000 and 500.
 *
 * @since 0.1.0
 */
public final class RuntimeBenchmark {

  private RuntimeBenchmark() {
  }

  /** Runs the benchmark and prints the results to standard output. */
  public static void main(String[] args) throws Exception {
    // Before the first process: the bare baseline must launch the same way the runtime does.
    ProcessLaunch.preferVfork();
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 500;

    Path baseDir = Files.createTempDirectory("runtime-benchmark");
    Vertx vertx = Vertx.vertx();
    OkHttpClient http = new OkHttpClient.Builder().build();
    try (SandboxRuntimeServer server = SandboxRuntimeServer.start(vertx,
        RuntimeOptions.builder().host("127.0.0.1").port(0).baseDir(baseDir).build())) {
      String url = "http://127.0.0.1:" + server.port() + "/execute";
      RequestBody body = RequestBody.create("{\"command\":\"true\"}",
          MediaType.get("application/json"));
      Request request = new Request.Builder().url(url).post(body).build();
      Request health = new Request.Builder().url("http://127.0.0.1:" + server.port() + "/").build();

      Action spawn = () -> {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
      };
      Action execute = () -> {
        try (Response response = http.newCall(request).execute()) {
          String text = response.body().string();
          if (response.code() != 200 || !text.contains("\"exit_code\":0")) {
            throw new IllegalStateException("unexpected response " + response.code() + " " + text);
          }
        }
      };
      Action ping = () -> {
        try (Response response = http.newCall(health).execute()) {
          response.body().string();
        }
      };
      for (int i = 0; i < warmup; i++) {
        spawn.run();
        execute.run();
        ping.run();
      }
      // Interleaved, so background load on the machine skews both series alike.
      long[] bare = new long[iterations];
      long[] runtime = new long[iterations];
      long[] roundTrip = new long[iterations];
      for (int i = 0; i < iterations; i++) {
        bare[i] = time(spawn);
        runtime[i] = time(execute);
        roundTrip[i] = time(ping);
      }
      Arrays.sort(bare);
      Arrays.sort(runtime);
      Arrays.sort(roundTrip);
      System.out.printf(Locale.ROOT, "launch mechanism: %s, %d iterations after %d warm-up%n",
          System.getProperty("jdk.lang.Process.launchMechanism", "default"), iterations, warmup);
      print("ProcessBuilder(\"true\").start().waitFor()", bare);
      print("POST /execute {\"command\":\"true\"}", runtime);
      print("GET / (HTTP round trip alone)", roundTrip);
      System.out.printf(Locale.ROOT, "overhead p50: %.3f ms%n",
          (percentile(runtime, 50) - percentile(bare, 50)) / 1e6);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Files.deleteIfExists(baseDir);
    }
  }

  private interface Action {
    void run() throws IOException, InterruptedException;
  }

  private static long time(Action action) throws IOException, InterruptedException {
    long start = System.nanoTime();
    action.run();
    return System.nanoTime() - start;
  }

  private static double percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static void print(String label, long[] sorted) {
    System.out.printf(Locale.ROOT, "%-45s p50 %.3f ms  p99 %.3f ms%n", label,
        percentile(sorted, 50) / 1e6, percentile(sorted, 99) / 1e6);
  }
}
