package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.internal.RouterTunnel;
import dev.agentsandbox.model.internal.RouterProtocol;
import dev.agentsandbox.runtime.IsolationPolicy;
import dev.agentsandbox.runtime.Processes;
import dev.agentsandbox.runtime.internal.CommandRunner;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A command lives no longer than its client waits for it: through the default tunnel, the
 * router and the port-forward bridge, a client's timeout or its going away kills the command's
 * whole process tree and frees its slot. Commands run unconfined here, so their pids are the
 * host's.
 */
class CommandEndsWithItsClientEndToEndTest {
  private static final String NAMESPACE = "default";
  private static final String TEMPLATE = "python-runtime-template";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TREE = "sh -c 'sleep 300 & echo $$ $! > p.$$.tmp; mv p.$$.tmp p.$$; "
      + "wait'";

  private static LocalSandboxCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
    try (InputStream yaml = CommandEndsWithItsClientEndToEndTest.class
        .getResourceAsStream("/python-runtime-template.yaml")) {
      cluster.apply(yaml);
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

  private static SandboxClient sandbox() {
    return SandboxClient.builder().kubernetesClient(cluster.client()).templateName(TEMPLATE)
        .namespace(NAMESPACE).connection(cluster.tunnel()).build();
  }

  @Test
  void R2_runTimeoutEndsTheWholeCommandTree() {
    try (SandboxClient sandbox = sandbox()) {
      try {
        ExecutionResult result = sandbox.run(TREE, Duration.ofSeconds(1));
        assertTrue(result.timedOut(), result.toString());
        assertTrue(result.stderr().contains("timed out after 1.0 seconds"), result.stderr());
      } catch (SandboxRequestException e) {
        assertEquals(504, e.statusCode(), e.getMessage()); // the router gave up first
      }

      List<Long> pids = pids(sandbox);
      assertEquals(2, pids.size());
      for (long pid : pids) {
        await("process " + pid + " is gone", () -> Processes.gone(pid));
      }
      assertEquals("next\n", sandbox.run("echo next").stdout());
    }
  }

  @Test
  void R2_clientsThatGoAwayThroughTheRouterFreeEverySlot() throws Exception {
    try (SandboxClient sandbox = sandbox()) {
      InetSocketAddress router = cluster.routerAddress(NAMESPACE);
      HttpUrl url = new HttpUrl.Builder().scheme("http").host(router.getHostString())
          .port(router.getPort()).build();

      goAwayAndCheck(sandbox, url, CommandRunner.MAX_CONCURRENT_COMMANDS);
    }
  }

  @Test
  void R2_clientThatGoesAwayThroughAPortForwardKillsItsCommand() throws Exception {
    Pod routerPod = cluster.client().pods().inNamespace(NAMESPACE).withLabel("app", "sandbox-router")
        .list().getItems().get(0);
    try (SandboxClient sandbox = sandbox();
         RouterTunnel tunnel = RouterTunnel.open(cluster.client(), NAMESPACE,
             routerPod.getMetadata().getName(), routerPod.getMetadata().getUid(),
             LocalSandboxCluster.ROUTER_PORT)) {
      goAwayAndCheck(sandbox, tunnel.baseUrl(), 2);
    }
  }

  /**
   * Starts {@code count} commands through {@code url} without telling the runtime a timeout,
   * cancels the calls once all run, and checks that their trees die and a command runs again.
   */
  private static void goAwayAndCheck(SandboxClient sandbox, HttpUrl url, int count) throws Exception {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(count);
    dispatcher.setMaxRequestsPerHost(count);
    OkHttpClient http = new OkHttpClient.Builder().dispatcher(dispatcher).build();
    List<Call> calls = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        Call call = http.newCall(new Request.Builder().url(url.newBuilder().addPathSegment("execute").build())
            .header(RouterProtocol.HEADER_SANDBOX_ID, sandbox.sandboxName())
            .header(RouterProtocol.HEADER_SANDBOX_NAMESPACE, NAMESPACE)
            .header(RouterProtocol.HEADER_SANDBOX_TIMEOUT, "300")
            .header("Authorization", "Bearer " + cluster.routerAuthToken())
            .post(RequestBody.create(JSON.createObjectNode().put("command", TREE).toString(),
                MediaType.get("application/json")))
            .build());
        call.enqueue(new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
          }

          @Override
          public void onResponse(Call c, Response response) {
            response.close();
          }
        });
        calls.add(call);
      }
      await("every command runs", () -> sandbox.list(".").stream()
          .filter(f -> f.name().startsWith("p.") && !f.name().endsWith(".tmp")).count() == count);
      List<Long> pids = pids(sandbox);
      assertEquals(2 * count, pids.size());

      calls.forEach(Call::cancel);

      for (long pid : pids) {
        await("process " + pid + " is gone", () -> Processes.gone(pid));
      }
      // With every slot taken before, a command runs only once their slots were freed.
      await("a command runs again", () -> sandbox.run("echo again").stdout().equals("again\n"));
    } finally {
      calls.forEach(Call::cancel);
      dispatcher.executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static List<Long> pids(SandboxClient sandbox) {
    List<Long> pids = new ArrayList<>();
    sandbox.list(".").stream()
        .filter(f -> f.name().startsWith("p.") && !f.name().endsWith(".tmp"))
        .forEach(f -> {
          for (String pid : new String(sandbox.read(f.name()), StandardCharsets.UTF_8).trim().split(" ")) {
            pids.add(Long.parseLong(pid));
          }
        });
    return pids;
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

}
