package dev.agentsandbox.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
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
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A controller running against its own CRUD mock API server, with the fixtures and waits the
 * controller tests share. The test plays the kubelet and the garbage collector.
 */
final class ControllerHarness implements AutoCloseable {
  static final long TIMEOUT_SECONDS = 30;
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  final MockCluster cluster;
  final KubernetesClient client;
  private final SandboxController controller;

  private ControllerHarness() {
    cluster = new MockCluster();
    client = cluster.client;
    SandboxController started = null;
    try {
      started = SandboxController.start(client, ControllerOptions.builder().clusterDomain("example.internal").build());
    } finally {
      if (started == null) {
        cluster.close();
      }
    }
    controller = started;
  }

  static ControllerHarness start() {
    return new ControllerHarness();
  }

  @Override
  public void close() {
    controller.close();
    cluster.close();
  }

  /** A namespace no other test uses. */
  static String namespace(String prefix) {
    return prefix + "-" + NAMESPACES.incrementAndGet();
  }

  static PodTemplateSpec podTemplate() {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", "python").endMetadata()
        .withNewSpec()
        .addNewContainer().withName("runtime").withImage("python:3.12").endContainer()
        .endSpec()
        .build();
  }

  SandboxTemplate createTemplate(String ns, String name, SandboxTemplateSpec spec) {
    SandboxTemplate template = new SandboxTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    template.setSpec(spec);
    return client.resource(template).create();
  }

  SandboxClaim createClaim(String ns, String name, String template, Lifecycle lifecycle) {
    SandboxClaimSpec spec = new SandboxClaimSpec(new TemplateRef(template), null, lifecycle, null, null);
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    claim.setSpec(spec);
    return client.resource(claim).create();
  }

  Sandbox createSandbox(String ns, String name, SandboxSpec spec) {
    if (spec.getPodTemplate() == null) {
      spec.setPodTemplate(podTemplate());
    }
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    sandbox.setSpec(spec);
    return client.resource(sandbox).create();
  }

  static Lifecycle lifecycle(String shutdownTime, String policy) {
    return new Lifecycle(shutdownTime, policy, null);
  }

  /** Does what the kubelet would: reports phase, readiness and IPs on the pod's status. */
  void playKubelet(String ns, String pod, String phase, boolean ready, String ip) {
    client.pods().inNamespace(ns).withName(pod).editStatus(p -> {
      p.setStatus(new PodStatusBuilder()
          .withPhase(phase)
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
          .withPodIP(ip)
          .addNewPodIP(ip)
          .build());
      return p;
    });
  }

  /** Waits until the named object exists and satisfies {@code condition}. */
  <T extends HasMetadata> T await(Class<T> type, String ns, String name, Predicate<T> condition) {
    return awaitState(client.resources(type).inNamespace(ns).withName(name), value -> value != null && condition.test(value));
  }

  <T extends HasMetadata> void awaitAbsent(Class<T> type, String ns, String name) {
    awaitState(client.resources(type).inNamespace(ns).withName(name), Objects::isNull);
  }

  /**
   * Waits until the object's state (null when absent) satisfies {@code condition}. The watch is
   * opened before the current state is read, so no change in between can be missed.
   */
  static <T extends HasMetadata> T awaitState(Resource<T> resource, Predicate<T> condition) {
    return MockCluster.awaitState(resource, condition, Duration.ofSeconds(TIMEOUT_SECONDS));
  }

  /** The Ready condition in a list of conditions, if any. */
  static Optional<Condition> ready(List<Condition> conditions) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> SandboxKeys.CONDITION_READY.equals(c.getType())).findFirst();
  }

  static String readyReason(List<Condition> conditions) {
    return ready(conditions).map(Condition::getReason).orElse("");
  }

  static void assertControlledBy(HasMetadata object, HasMetadata owner) {
    List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
    assertEquals(1, refs.size());
    OwnerReference ref = refs.get(0);
    assertEquals(owner.getApiVersion(), ref.getApiVersion());
    assertEquals(owner.getKind(), ref.getKind());
    assertEquals(owner.getMetadata().getName(), ref.getName());
    assertEquals(owner.getMetadata().getUid(), ref.getUid());
    assertEquals(Boolean.TRUE, ref.getController());
    assertEquals(Boolean.TRUE, ref.getBlockOwnerDeletion());
  }
}
