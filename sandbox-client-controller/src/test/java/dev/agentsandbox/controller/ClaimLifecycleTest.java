package dev.agentsandbox.controller;

import static dev.agentsandbox.controller.ControllerHarness.lifecycle;
import static dev.agentsandbox.controller.ControllerHarness.namespace;
import static dev.agentsandbox.controller.ControllerHarness.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Claim lifecycle, metadata sync, watches, legacy cleanup and events against the CRUD mock (spec C3-C17, X2). */
class ClaimLifecycleTest {
  private static ControllerHarness harness;

  @BeforeAll
  static void start() {
    harness = ControllerHarness.start();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static String past() {
    return Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static Predicate<SandboxClaim> ready(String reason) {
    return c -> c.getStatus() != null && reason.equals(readyReason(c.getStatus().conditions()));
  }

  @Test
  void C3_legacyClaimNetworkPolicyIsDeletedOnlyWhenTheClaimControlsIt() {
    String ns = namespace("c3");
    harness.client.network().v1().networkPolicies().inNamespace(ns).resource(new NetworkPolicyBuilder()
        .withNewMetadata().withName("old-network-policy").endMetadata().withNewSpec().endSpec().build()).create();
    SandboxClaim claim = harness.createClaim(ns, "old", "missing", null);
    SandboxClaim observed = harness.await(SandboxClaim.class, ns, "old", ready("TemplateNotFound"));
    assertNotNull(observed.getMetadata().getAnnotations().get(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT));
    assertNotNull(harness.client.network().v1().networkPolicies().inNamespace(ns).withName("old-network-policy").get(),
        "a policy the claim does not control stays");

    harness.client.network().v1().networkPolicies().inNamespace(ns).withName("old-network-policy").edit(p -> {
      p.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
          .withApiVersion(claim.getApiVersion()).withKind(claim.getKind()).withName("old")
          .withUid(claim.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
      return p;
    });
    harness.client.resources(SandboxClaim.class).inNamespace(ns).withName("old")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"poke\":\"1\"}}}");
    harness.awaitAbsent(NetworkPolicy.class, ns, "old-network-policy");
  }

  @Test
  void C6_templateMetadataChangesReachTheSandboxAndItsPod() {
    String ns = namespace("c6");
    harness.createTemplate(ns, "tpl", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    harness.createClaim(ns, "synced", "tpl", null);
    harness.await(Pod.class, ns, "synced", any -> true);

    harness.client.resources(SandboxTemplate.class).inNamespace(ns).withName("tpl").edit(t -> {
      t.getSpec().podTemplate().getMetadata().setLabels(Map.of("app", "python", "team", "blue"));
      return t;
    });

    Sandbox sandbox = harness.await(Sandbox.class, ns, "synced",
        s -> "blue".equals(s.getSpec().getPodTemplate().getMetadata().getLabels().get("team")));
    assertEquals("python", sandbox.getSpec().getPodTemplate().getMetadata().getLabels().get("app"));
    harness.await(Pod.class, ns, "synced", p -> "blue".equals(p.getMetadata().getLabels().get("team")));
  }

  @Test
  void C17_aTemplateEventReachesExactlyTheClaimsThatReferenceIt() {
    String ns = namespace("c17");
    harness.createClaim(ns, "wants-x", "tpl-x", null);
    harness.createClaim(ns, "wants-y", "tpl-y", null);
    harness.await(SandboxClaim.class, ns, "wants-x", ready("TemplateNotFound"));
    harness.await(SandboxClaim.class, ns, "wants-y", ready("TemplateNotFound"));

    harness.createTemplate(ns, "tpl-x", new SandboxTemplateSpec(ControllerHarness.podTemplate()));

    // Well before the one-minute requeue of a missing template: the template watch did it.
    harness.await(Sandbox.class, ns, "wants-x", any -> true);
    assertNull(harness.client.resources(Sandbox.class).inNamespace(ns).withName("wants-y").get(),
        "a claim of another template is not provisioned by this template's event");
    assertEquals("TemplateNotFound", readyReason(harness.client.resources(SandboxClaim.class)
        .inNamespace(ns).withName("wants-y").get().getStatus().conditions()));
  }

  @Test
  void C12_expiredDeleteClaimIsMarkedAnnouncedAndDeleted() {
    String ns = namespace("c12");
    harness.createTemplate(ns, "tpl", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    harness.createClaim(ns, "short", "tpl", lifecycle(past(), Lifecycle.POLICY_DELETE));

    harness.awaitAbsent(SandboxClaim.class, ns, "short");
    List<Event> events = awaitEvents(ns, 2);
    assertEquals(List.of("Claim Expired", "Deleting"), events.stream().map(Event::getAction).toList());
    assertEquals(List.of("Claim expired", "Deleting Claim (ShutdownPolicy=Delete)"),
        events.stream().map(Event::getNote).toList());
    assertNull(harness.client.resources(Sandbox.class).inNamespace(ns).withName("short").get(),
        "an expired claim is never provisioned");
  }

  @Test
  void C12_expiredDeleteForegroundClaimIsDeletedWithForegroundPropagation() throws Exception {
    String ns = namespace("c12");
    harness.createTemplate(ns, "tpl", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    harness.createClaim(ns, "fg", "tpl", lifecycle(past(), Lifecycle.POLICY_DELETE_FOREGROUND));

    harness.awaitAbsent(SandboxClaim.class, ns, "fg");
    String path = "/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/" + ns + "/sandboxclaims/fg";
    RecordedRequest delete;
    do {
      delete = harness.cluster.server.takeRequest(ControllerHarness.TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(delete, "no DELETE of the claim was recorded");
    } while (!("DELETE".equals(delete.getMethod()) && path.equals(delete.getPath())));
    assertTrue(delete.getBody().readUtf8().contains("\"propagationPolicy\":\"Foreground\""));
  }

  @Test
  void C12_expiredRetainClaimLosesItsSandboxButStaysExpired() {
    String ns = namespace("c12");
    harness.createTemplate(ns, "tpl", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    harness.createClaim(ns, "kept", "tpl", null);
    harness.await(SandboxClaim.class, ns, "kept", c -> c.getStatus() != null && c.getStatus().sandbox() != null);

    harness.client.resources(SandboxClaim.class).inNamespace(ns).withName("kept")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"lifecycle\":{\"shutdownTime\":\"" + past() + "\"}}}");

    harness.awaitAbsent(Sandbox.class, ns, "kept");
    SandboxClaim expired = harness.await(SandboxClaim.class, ns, "kept",
        ready("ClaimExpired").and(c -> c.getStatus().sandbox() == null));
    Condition ready = expired.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("Claim expired. Sandbox cleanup initiated.", ready.getMessage());
    assertEquals(expired.getMetadata().getGeneration(), ready.getObservedGeneration());
  }

  @Test
  void C12_ttlAfterFinishedExpiresTheClaimAndC11KeepsItsFinishedCondition() {
    String ns = namespace("c12");
    harness.createTemplate(ns, "tpl", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    Lifecycle ttl = new Lifecycle(null, null, 0);
    harness.createClaim(ns, "batch", "tpl", ttl);
    harness.await(Pod.class, ns, "batch", any -> true);

    harness.playKubelet(ns, "batch", "Succeeded", false, "10.0.0.12");

    harness.awaitAbsent(Sandbox.class, ns, "batch");
    SandboxClaim expired = harness.await(SandboxClaim.class, ns, "batch",
        ready("ClaimExpired").and(c -> c.getStatus().sandbox() == null));
    Condition finished = expired.getStatus().condition(SandboxKeys.CONDITION_FINISHED).orElseThrow();
    assertEquals("True", finished.getStatus());
    assertEquals("PodSucceeded", finished.getReason());
  }

  @Test
  void C10_sandboxNotOwnedAtExpiryIsReportedAndLeftAlone() {
    String ns = namespace("c10");
    harness.createSandbox(ns, "squatter", new SandboxSpec());
    harness.createClaim(ns, "squatter", "tpl", lifecycle(past(), Lifecycle.POLICY_RETAIN));

    SandboxClaim claim = harness.await(SandboxClaim.class, ns, "squatter", c -> c.getStatus() != null
        && c.getStatus().condition(SandboxKeys.CONDITION_READY).map(Condition::getMessage).orElse("")
            .contains("not owned"));
    Condition ready = claim.getStatus().condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("ClaimExpired", ready.getReason());
    assertEquals("Claim expired. sandbox not owned by this claim: sandbox \"squatter\" is not owned by claim "
        + "\"squatter\"; deletion skipped.", ready.getMessage());
    assertNull(claim.getStatus().sandbox());
    assertNotNull(harness.client.resources(Sandbox.class).inNamespace(ns).withName("squatter").get());
  }

  @Test
  void X2_coldCreateRecordsSandboxProvisionedAboutTheClaim() {
    String ns = namespace("x2");
    harness.createTemplate(ns, "tpl", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    SandboxClaim claim = harness.createClaim(ns, "eventful", "tpl", null);

    Event event = awaitEvents(ns, 1).get(0);
    assertEquals("SandboxProvisioned", event.getReason());
    assertEquals("Provisioning", event.getAction());
    assertEquals("Created Sandbox \"eventful\"", event.getNote());
    assertEquals("Normal", event.getType());
    assertEquals("sandboxclaim-controller", event.getReportingController());
    assertNotNull(event.getReportingInstance());
    assertNotNull(event.getEventTime());
    assertEquals("SandboxClaim", event.getRegarding().getKind());
    assertEquals("eventful", event.getRegarding().getName());
    assertEquals(claim.getMetadata().getUid(), event.getRegarding().getUid());
  }

  @Test
  void closeWritesTheClaimEventsRecordedBeforeItReturns() {
    try (MockCluster own = new MockCluster()) {
      KubernetesClient controllerClient = new KubernetesClientBuilder()
          .withConfig(own.client.getConfiguration()).build();
      String ns = "events-on-close";
      try {
        SandboxController controller = SandboxController.start(controllerClient, ControllerOptions.defaults());
        SandboxTemplate template = new SandboxTemplate();
        template.setMetadata(new ObjectMetaBuilder().withName("tpl").withNamespace(ns).build());
        template.setSpec(new SandboxTemplateSpec(ControllerHarness.podTemplate()));
        own.client.resource(template).create();
        SandboxClaimSpec claimSpec = new SandboxClaimSpec(new TemplateRef("tpl"));
        SandboxClaim claim = new SandboxClaim();
        claim.setMetadata(new ObjectMetaBuilder().withName("leaving").withNamespace(ns).build());
        claim.setSpec(claimSpec);
        own.client.resource(claim).create();
        own.await(Sandbox.class, ns, "leaving", any -> true);

        controller.close();
      } finally {
        controllerClient.close();
      }

      assertEquals(List.of("SandboxProvisioned"), own.client.events().v1().events().inNamespace(ns).list()
          .getItems().stream().map(Event::getReason).toList());
    }
  }

  /** The events.k8s.io/v1 Events of a namespace, oldest first, once there are {@code count}. */
  private static List<Event> awaitEvents(String ns, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ControllerHarness.TIMEOUT_SECONDS);
    while (true) {
      List<Event> events = harness.client.events().v1().events().inNamespace(ns).list().getItems();
      if (events.size() >= count) {
        return events.stream()
            .sorted((a, b) -> a.getEventTime().getTime().compareTo(b.getEventTime().getTime()))
            .toList();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " events in " + ns + ", got " + events);
      }
      // Events are written in the background; the mock's list is cheap, so poll until the deadline.
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
