package dev.agentsandbox.router;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measures the latency the router adds: N sequential small GETs over one keep-alive connection,
 * straight to a Vert.x echo server and through the router, on loopback. Not a test; run with
 * {@code java -cp <test classpath> dev.agentsandbox.router.RouterBenchmark [requests]}.
 */
public final class RouterBenchmark {
  private RouterBenchmark() {
  }

  /**
   * Runs the benchmark and prints p50, p99 and mean latencies.
   *
   * @param args optional number of measured requests per target (default 20000)
   */
  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup(Sandbox.GROUP).withVersion(Sandbox.VERSION).withKind("Sandbox").withPlural("sandboxes")
        .withScope("Namespaced").withStatusSubresource(true).build());
    Vertx vertx = Vertx.vertx();
    try (KubernetesClient kubernetes = server.createClient()) {
      registerSandbox(kubernetes);
      HttpServer echo = vertx.createHttpServer().requestHandler(request -> request.response().end("ok"));
      await(echo.listen(0, "127.0.0.1"));
      try (SandboxRouter router = SandboxRouter.start(vertx, kubernetes,
          RouterOptions.builder().host("127.0.0.1").port(0).allowUnauthenticated(true).build())) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(1));
        RequestOptions direct = new RequestOptions().setHost("127.0.0.1").setPort(echo.actualPort()).setURI("/");
        RequestOptions routed = new RequestOptions().setHost("127.0.0.1").setPort(router.port()).setURI("/")
            .putHeader("X-Sandbox-ID", "bench").putHeader("X-Sandbox-Port", Integer.toString(echo.actualPort()));
        for (int round = 0; round < 2; round++) {
          // The first round warms up the JIT and the connection pools.
          long[] straight = measure(vertx, client, direct, requests);
          long[] through = measure(vertx, client, routed, requests);
          if (round == 1) {
            System.out.printf("%d sequential GETs per target, loopback, keep-alive%n", requests);
            report("direct ", straight);
            report("router ", through);
            System.out.printf("added  p50 %6.1f us   p99 %6.1f us%n",
                (percentile(through, 50) - percentile(straight, 50)) / 1e3,
                (percentile(through, 99) - percentile(straight, 99)) / 1e3);
          }
        }
        await(client.close());
      }
      await(echo.close());
    } finally {
      await(vertx.close());
      server.destroy();
    }
  }

  private static void registerSandbox(KubernetesClient kubernetes) {
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName("bench").withNamespace("default").build());
    sandbox.setSpec(new SandboxSpec());
    Sandbox created = kubernetes.resources(Sandbox.class).inNamespace("default").resource(sandbox).create();
    created.setStatus(new SandboxStatus(null, List.of("127.0.0.1"), null, null, null, null));
    kubernetes.resources(Sandbox.class).inNamespace("default").resource(created).updateStatus();
  }

  private static long[] measure(Vertx vertx, HttpClient client, RequestOptions options, int requests) throws Exception {
    long[] nanos = new long[requests];
    Promise<Void> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(ignored -> next(client, options, nanos, 0, done));
    await(done.future());
    return nanos;
  }

  private static void next(HttpClient client, RequestOptions options, long[] nanos, int index, Promise<Void> done) {
    if (index == nanos.length) {
      done.complete();
      return;
    }
    long start = System.nanoTime();
    client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200
            ? response.body()
            : Future.failedFuture("status " + response.statusCode()))
        .onSuccess(body -> {
          nanos[index] = System.nanoTime() - start;
          next(client, options, nanos, index + 1, done);
        })
        .onFailure(done::fail);
  }

  private static void report(String label, long[] nanos) {
    System.out.printf("%s p50 %6.1f us   p90 %6.1f us   p99 %6.1f us   mean %6.1f us%n", label,
        percentile(nanos, 50) / 1e3, percentile(nanos, 90) / 1e3, percentile(nanos, 99) / 1e3,
        Arrays.stream(nanos).average().orElse(0) / 1e3);
  }

  private static long percentile(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
