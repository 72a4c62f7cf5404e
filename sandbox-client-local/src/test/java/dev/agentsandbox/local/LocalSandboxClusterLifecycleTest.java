package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import dev.agentsandbox.runtime.IsolationPolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSandboxClusterLifecycleTest {
  private static final String TEMPLATE = """
      apiVersion: extensions.agents.x-k8s.io/v1alpha1
      kind: SandboxTemplate
      metadata:
        name: lifecycle
      spec:
        podTemplate:
          spec:
            containers:
            - name: runtime
              image: runtime
              ports:
              - containerPort: 8888
      """;

  @Test
  void closeStopsEveryThreadSandboxProcessAndFile(@TempDir Path workDir) throws Exception {
    Set<String> threadsBefore = threadNames();
    LocalSandboxCluster cluster = LocalSandboxCluster.builder()
        .workDir(workDir.resolve("cluster")).isolation(IsolationPolicy.NONE).start();
    try {
      cluster.apply(TEMPLATE);
      SandboxClaim claim = new SandboxClaim();
      claim.getMetadata().setName("lifecycle");
      SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef("lifecycle"));
      claim.setSpec(spec);
      cluster.client().resources(SandboxClaim.class).resource(claim).create();
      Pod pod = cluster.client().pods().withName("lifecycle")
          .waitUntilCondition(p -> p != null && p.getStatus() != null && p.getStatus().getPodIP() != null,
              30, TimeUnit.SECONDS);
      assertTrue(pod.getStatus().getPodIP().matches("127\\.1\\d\\d\\.\\d+\\.\\d+"), pod.getStatus().getPodIP());
      // A background process outlives its command; closing the cluster must end it too.
      try (LocalPortForward forward = cluster.client().pods().withName("lifecycle").portForward(8888);
          okhttp3.Response r = new okhttp3.OkHttpClient().newCall(new okhttp3.Request.Builder()
          .url("http://127.0.0.1:" + forward.getLocalPort() + "/execute")
          .post(okhttp3.RequestBody.create("{\"command\":\"sh -c 'sleep 600 > /dev/null 2>&1 &'\"}",
              okhttp3.MediaType.get("application/json")))
          .build()).execute()) {
        assertEquals(200, r.code());
      }
    } finally {
      cluster.close();
    }

    assertThrows(IllegalStateException.class, cluster::client);
    assertFalse(Files.exists(workDir.resolve("cluster").resolve("pods").resolve("default")
        .resolve("lifecycle")), "pod directory removed");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Set<String> leaked;
    do {
      leaked = threadNames().stream()
          .filter(n -> !threadsBefore.contains(n) && !isSharedJdkOrOkHttpThread(n))
          .collect(Collectors.toSet());
      if (leaked.isEmpty() && noSleepProcesses()) {
        break;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    } while (System.nanoTime() < deadline);
    assertEquals(Set.of(), leaked, "threads left after close");
    assertTrue(noSleepProcesses(), "sandbox processes left after close");
  }

  private static boolean noSleepProcesses() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains("sleep 600")).orElse(false))
        .findAny().isEmpty();
  }

  /** Threads of process-wide pools (JDK, OkHttp, Okio, fabric8) that end by themselves when idle. */
  private static boolean isSharedJdkOrOkHttpThread(String name) {
    return name.startsWith("OkHttp TaskRunner") || name.startsWith("CachedSingleThreadScheduler") || name.equals("Okio Watchdog") || name.equals("process reaper")
        || name.equals("Common-Cleaner") || name.equals("Attach Listener")
        || name.startsWith("ForkJoinPool.commonPool");
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
