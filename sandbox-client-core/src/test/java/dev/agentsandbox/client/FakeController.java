package dev.agentsandbox.client;

import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for the agent-sandbox controller: watches claims and, once per new claim, runs a
 * reaction (usually writing the claim's status) on its own thread.
 */
public final class FakeController implements AutoCloseable {
  /** What the controller does with a new claim. */
  @FunctionalInterface
  public interface Reaction {
    void react(KubernetesClient client, SandboxClaim claim) throws Exception;
  }

  /** Every claim the controller saw, in order. */
  final BlockingQueue<SandboxClaim> seen = new LinkedBlockingQueue<>();
  final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Set<String> handled = ConcurrentHashMap.newKeySet();
  private final ExecutorService executor = Executors.newSingleThreadExecutor();
  private final Watch watch;

  FakeController(KubernetesClient client, Reaction reaction) {
    watch = client.resources(SandboxClaim.class).inAnyNamespace().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, SandboxClaim claim) {
        if (action == Action.ADDED && handled.add(claim.getMetadata().getName())) {
          seen.add(claim);
          executor.execute(() -> {
            try {
              reaction.react(client, claim);
            } catch (Exception | AssertionError e) {
              failure.compareAndSet(null, e);
            }
          });
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    });
  }

  /** Becomes ready, served by a sandbox named like the claim. */
  public static Reaction readyLikeClaim() {
    return (client, claim) -> writeStatus(client, claim, claim.getMetadata().getName(),
        condition("True", "DependenciesReady", ""));
  }

  /** Becomes ready, served by a sandbox with another name (as from a warm pool). */
  static Reaction readyAs(String sandboxName) {
    return (client, claim) -> writeStatus(client, claim, sandboxName,
        condition("True", "DependenciesReady", ""));
  }

  /** Reports Ready=False with the given reason and no sandbox. */
  static Reaction notReady(String reason, String message) {
    return (client, claim) -> writeStatus(client, claim, null, condition("False", reason, message));
  }

  static void writeStatus(KubernetesClient client, SandboxClaim claim, String sandboxName,
      Condition... conditions) {
    client.resources(SandboxClaim.class).inNamespace(claim.getMetadata().getNamespace())
        .withName(claim.getMetadata().getName())
        .editStatus(c -> {
          c.setStatus(new SandboxClaimStatus(List.of(conditions),
              sandboxName == null ? null : new ClaimedSandbox(sandboxName, List.of("10.0.0.7"))));
          return c;
        });
  }

  /** Writes a status the way controller v0.1.0 did: {@code sandbox.Name}, reason SandboxReady. */
  public static void writeLegacyReadyStatus(KubernetesClient client, SandboxClaim claim) {
    client.genericKubernetesResources(FakeCluster.CLAIMS)
        .inNamespace(claim.getMetadata().getNamespace())
        .withName(claim.getMetadata().getName())
        .editStatus(g -> {
          g.setAdditionalProperty("status", Map.of(
              "sandbox", Map.of("Name", claim.getMetadata().getName()),
              "conditions", List.of(Map.of(
                  "type", "Ready", "status", "True", "reason", "SandboxReady",
                  "message", "Sandbox is ready",
                  "lastTransitionTime", Instant.now().toString()))));
          return g;
        });
  }

  public static Condition condition(String status, String reason, String message) {
    return new ConditionBuilder().withType("Ready").withStatus(status).withReason(reason)
        .withMessage(message).withLastTransitionTime(Instant.now().toString()).build();
  }

  @Override
  public void close() throws InterruptedException {
    watch.close();
    executor.shutdown();
    if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
      executor.shutdownNow();
    }
  }
}
