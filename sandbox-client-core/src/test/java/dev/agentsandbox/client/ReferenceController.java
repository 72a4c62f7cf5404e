package dev.agentsandbox.client;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Emulates what a reference controller release writes for a claim (CONTROLLER.md, "Differences
 * between v0.1.0 and v0.4.6", and PROTOCOL section 1): the Sandbox it makes or adopts, and the
 * claim's status in that release's shape. Deleting a claim deletes its Sandbox, as garbage
 * collection would.
 */
final class ReferenceController implements AutoCloseable {
  static final String TEMPLATE = "python-runtime-template";
  /** Warm pools of {@link #TEMPLATE} that exist. */
  static final Set<String> POOLS = Set.of("python-pool", "fast-pool");

  /** The releases whose differences a client must tolerate. */
  enum Release {
    /**
     * {@code status.sandbox.Name}, Ready reason {@code SandboxReady}, the sandbox named like
     * the claim, no pod-name annotation, no pod IPs, no warm adoption.
     */
    V0_1_0,
    /**
     * {@code status.sandbox.name} with pod IPs; warm adoption keeps the pool's sandbox name
     * and sets the pod-name annotation. v1alpha1 only.
     */
    V0_4,
    /** Like v0.4, and v1beta1 claims ({@code warmPoolRef}) and Sandboxes are served. */
    V0_5
  }

  final Release release;
  final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final KubernetesClient client;
  private final ExecutorService executor = Executors.newSingleThreadExecutor();
  private final List<Watch> watches = new ArrayList<>();
  private final Map<String, String> sandboxOfClaim = new ConcurrentHashMap<>();
  private final SplittableRandom random = new SplittableRandom(11);

  ReferenceController(KubernetesClient client, Release release) {
    this.client = client;
    this.release = release;
    watch(FakeCluster.CLAIMS);
    if (release == Release.V0_5) {
      watch(FakeCluster.CLAIMS_V1BETA1);
    }
  }

  /** Where this release's Sandboxes live. */
  CustomResourceDefinitionContext sandboxes() {
    return release == Release.V0_5 ? FakeCluster.SANDBOXES_V1BETA1 : FakeCluster.SANDBOXES;
  }

  private void watch(CustomResourceDefinitionContext claims) {
    watches.add(client.genericKubernetesResources(claims).inAnyNamespace().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource claim) {
        if (action == Action.ADDED && claim.getAdditionalProperties().get("status") == null) {
          executor.execute(() -> run(() -> reconcile(claims, claim)));
        } else if (action == Action.DELETED) {
          executor.execute(() -> run(() -> collect(claim)));
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    }));
  }

  private void run(Runnable work) {
    try {
      work.run();
    } catch (RuntimeException | AssertionError e) {
      failure.compareAndSet(null, e);
    }
  }

  @SuppressWarnings("unchecked")
  private void reconcile(CustomResourceDefinitionContext claims, GenericKubernetesResource claim) {
    Map<String, Object> spec = (Map<String, Object>) claim.getAdditionalProperties().get("spec");
    boolean beta = claims == FakeCluster.CLAIMS_V1BETA1;
    String pool;
    if (beta) {
      pool = (String) ((Map<String, Object>) spec.get("warmPoolRef")).get("name");
    } else {
      String template = (String) ((Map<String, Object>) spec.get("sandboxTemplateRef")).get("name");
      if (!TEMPLATE.equals(template)) {
        writeStatus(claims, claim, null, List.of(), condition("False", "TemplateNotFound",
            "SandboxTemplate \"" + template + "\" not found"));
        return;
      }
      pool = (String) spec.get("warmpool");
    }
    boolean named = pool != null && !pool.equals("none") && !pool.equals("default");
    if (named && !POOLS.contains(pool) && release != Release.V0_1_0) {
      writeStatus(claims, claim, null, List.of(), condition("False", "WarmPoolNotFound",
          "SandboxWarmPool \"" + pool + "\" not found"));
      return;
    }
    boolean adopt = release != Release.V0_1_0 && (pool == null || !pool.equals("none"));
    String claimName = claim.getMetadata().getName();
    String sandboxName = claimName;
    String podName = release == Release.V0_1_0 ? null : claimName;
    if (adopt) {
      String from = named ? pool : "python-pool";
      sandboxName = from + "-" + suffix();
      podName = sandboxName + "-pod";
    }
    List<String> podIps = switch (release) {
      case V0_1_0 -> List.of();
      case V0_4 -> List.of("10.0.0.7");
      case V0_5 -> List.of("fd00::7", "10.0.0.7");
    };
    createSandbox(claim.getMetadata().getNamespace(), sandboxName, podName, podIps);
    sandboxOfClaim.put(claim.getMetadata().getNamespace() + "/" + claimName, sandboxName);
    writeStatus(claims, claim, sandboxName, podIps, release == Release.V0_1_0
        ? condition("True", "SandboxReady", "Sandbox is ready")
        : condition("True", "DependenciesReady", "Pod is Ready"));
  }

  private String suffix() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }

  private void createSandbox(String namespace, String name, String podName, List<String> podIps) {
    CustomResourceDefinitionContext sandboxes = sandboxes();
    GenericKubernetesResource sandbox = new GenericKubernetesResource();
    sandbox.setApiVersion(sandboxes.getGroup() + "/" + sandboxes.getVersion());
    sandbox.setKind("Sandbox");
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name).withNamespace(namespace);
    if (podName != null) {
      meta.addToAnnotations("agents.x-k8s.io/pod-name", podName);
    }
    sandbox.setMetadata(meta.build());
    sandbox.setAdditionalProperty("spec", Map.of("podTemplate", Map.of("spec",
        Map.of("containers", List.of(Map.of("name", "python-runtime", "image", "runtime"))))));
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("conditions", List.of(condition("True", "DependenciesReady", "Pod is Ready")));
    if (!podIps.isEmpty()) {
      status.put("podIPs", podIps);
    }
    if (release != Release.V0_5) {
      status.put("replicas", 1);
    }
    sandbox.setAdditionalProperty("status", status);
    client.genericKubernetesResources(sandboxes).inNamespace(namespace).resource(sandbox).create();
  }

  private void writeStatus(CustomResourceDefinitionContext claims, GenericKubernetesResource claim,
      String sandboxName, List<String> podIps, Map<String, Object> readyCondition) {
    Map<String, Object> status = new LinkedHashMap<>();
    if (sandboxName != null) {
      Map<String, Object> sandbox = new LinkedHashMap<>();
      // v0.1.0 spelled the key with a capital N.
      sandbox.put(release == Release.V0_1_0 ? "Name" : "name", sandboxName);
      if (!podIps.isEmpty()) {
        sandbox.put("podIPs", podIps);
      }
      status.put("sandbox", sandbox);
    }
    status.put("conditions", List.of(readyCondition));
    client.genericKubernetesResources(claims).inNamespace(claim.getMetadata().getNamespace())
        .withName(claim.getMetadata().getName())
        .editStatus(g -> {
          g.setAdditionalProperty("status", status);
          return g;
        });
  }

  private void collect(GenericKubernetesResource claim) {
    String sandbox = sandboxOfClaim.remove(claim.getMetadata().getNamespace() + "/"
        + claim.getMetadata().getName());
    if (sandbox != null) {
      client.genericKubernetesResources(sandboxes()).inNamespace(claim.getMetadata().getNamespace())
          .withName(sandbox).delete();
    }
  }

  static Map<String, Object> condition(String status, String reason, String message) {
    return Map.of("type", "Ready", "status", status, "reason", reason, "message", message,
        "lastTransitionTime", Instant.now().toString());
  }

  @Override
  public void close() throws InterruptedException {
    watches.forEach(Watch::close);
    executor.shutdown();
    if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
      executor.shutdownNow();
    }
  }
}
