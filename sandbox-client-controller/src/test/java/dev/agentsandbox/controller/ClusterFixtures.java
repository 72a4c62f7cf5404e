package dev.agentsandbox.controller;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Objects and waits shared by the deployment tests; the test plays the kubelet. */
final class ClusterFixtures {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private ClusterFixtures() {
  }

  static SandboxTemplate template(KubernetesClient client, String ns, String name) {
    SandboxTemplate template = new SandboxTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    template.setSpec(new SandboxTemplateSpec(new PodTemplateSpecBuilder()
        .withNewSpec().addNewContainer().withName("runtime").withImage("python:3.12").endContainer().endSpec()
        .build()));
    return client.resource(template).create();
  }

  static SandboxClaim claim(KubernetesClient client, String ns, String name, String template) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template));
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    claim.setSpec(spec);
    return client.resource(claim).create();
  }

  static Sandbox sandbox(KubernetesClient client, String ns, String name) {
    SandboxSpec spec = new SandboxSpec();
    spec.setPodTemplate(new PodTemplateSpecBuilder()
        .withNewSpec().addNewContainer().withName("runtime").withImage("python:3.12").endContainer().endSpec()
        .build());
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    sandbox.setSpec(spec);
    return client.resource(sandbox).create();
  }

  /** Reports the pod Running and Ready, as the kubelet would. */
  static void podReady(KubernetesClient client, String ns, String pod) {
    client.pods().inNamespace(ns).withName(pod).editStatus(p -> {
      p.setStatus(new PodStatusBuilder()
          .withPhase("Running")
          .addNewCondition().withType("Ready").withStatus("True").endCondition()
          .withPodIP("10.0.0.1")
          .addNewPodIP("10.0.0.1")
          .build());
      return p;
    });
  }

  static boolean ready(List<Condition> conditions) {
    return conditions != null && conditions.stream()
        .anyMatch(c -> SandboxKeys.CONDITION_READY.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Waits, through a watch opened before the first read, until the object exists and matches. */
  static <T extends HasMetadata> T await(KubernetesClient client, Class<T> type, String ns, String name,
      Predicate<T> condition) {
    CompletableFuture<T> result = new CompletableFuture<>();
    var resource = client.resources(type).inNamespace(ns).withName(name);
    try (Watch ignored = resource.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T object) {
        if (action != Action.DELETED && condition.test(object)) {
          result.complete(object);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        result.completeExceptionally(cause);
      }
    })) {
      T current = resource.get();
      if (current != null && condition.test(current)) {
        return current;
      }
      return result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("no " + type.getSimpleName() + " " + ns + "/" + name + " in the expected state", e);
    }
  }

  /** Polls a condition that no watch can observe, until a deadline. */
  static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
