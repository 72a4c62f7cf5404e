package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.Lifecycle;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The claim spec and status, expiry and events as pure functions (spec C1-C3, C9-C12, X2, X3). */
class ClaimStatusTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static Condition condition(String type, String status, String reason, String time) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(reason)
        .withLastTransitionTime(time).withObservedGeneration(7L).build();
  }

  private static Sandbox sandboxWith(Condition... conditions) {
    Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));
    sandbox.setStatus(new SandboxStatus(List.of(conditions), List.of("10.0.0.1"), null, null, null, null));
    return sandbox;
  }

  private static Condition ready(SandboxClaimStatus status) {
    return status.condition(SandboxKeys.CONDITION_READY).orElseThrow();
  }

  @Test
  void C1_claimSpecReadsEveryField() {
    SandboxClaim claim = Serialization.unmarshal("""
        apiVersion: extensions.agents.x-k8s.io/v1alpha1
        kind: SandboxClaim
        metadata: {name: full}
        spec:
          sandboxTemplateRef: {name: tpl}
          lifecycle: {shutdownTime: "2025-01-01T00:00:00Z", ttlSecondsAfterFinished: 30, shutdownPolicy: DeleteForeground}
          warmpool: none
          additionalPodMetadata: {labels: {a: "1"}, annotations: {b: "2"}}
          env: [{name: N, value: V, containerName: c}]
        """, SandboxClaim.class);
    SandboxClaimSpec spec = claim.getSpec();
    assertEquals("tpl", spec.sandboxTemplateRef().name());
    assertEquals(30, spec.lifecycle().ttlSecondsAfterFinished());
    assertEquals(Lifecycle.POLICY_DELETE_FOREGROUND, ClaimExpiry.policy(claim));
    assertEquals(T0, ClaimExpiry.expireAt(claim).orElseThrow());
    assertEquals(SandboxClaimSpec.WARMPOOL_NONE, spec.warmpool());
    assertEquals(Map.of("a", "1"), spec.additionalPodMetadata().labels());
    assertEquals(Map.of("b", "2"), spec.additionalPodMetadata().annotations());
    assertEquals("c", spec.env().get(0).containerName());

    SandboxClaim minimal = Fixtures.claim("c", "tpl");
    minimal.setSpec(new SandboxClaimSpec(new TemplateRef("tpl"), null, new Lifecycle(null, null, null), null, null));
    assertEquals(Lifecycle.POLICY_RETAIN, ClaimExpiry.policy(minimal), "shutdownPolicy defaults to Retain");
  }

  @Test
  void C2_statusNamesTheSandboxWithALowercaseKey() {
    SandboxClaimStatus status = new SandboxClaimStatus(null, new ClaimedSandbox("sb", List.of("10.0.0.1")));
    var json = Serialization.jsonMapper().valueToTree(status);
    assertEquals("sb", json.path("sandbox").path("name").asText(), json.toString());
    assertTrue(json.path("sandbox").path("Name").isMissingNode());
  }

  @Test
  void C3_claimBeingDeletedIsLeftAlone() {
    SandboxClaim claim = Fixtures.claim("going", "tpl");
    claim.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
    // No context: the reconcile must not read or write anything.
    assertTrue(new SandboxClaimReconciler(ControllerMetrics.NOOP).reconcile(claim, null).isNoUpdate());
  }

  @Test
  void C9_statusMirrorsTheSandboxFoundAndIsClearedWithoutOne() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    claim.setStatus(new ClaimStatusCalculation(claim, sandboxWith(), null, null).compute(T0));
    assertEquals("sb", claim.getStatus().sandbox().name());
    assertEquals(List.of("10.0.0.1"), claim.getStatus().sandbox().podIPs());

    assertNull(new ClaimStatusCalculation(claim, null, null, null).compute(T0).sandbox());
    assertNull(new ClaimStatusCalculation(claim, sandboxWith(), null, new ReconcileFailure("x")).compute(T0).sandbox());
    assertNull(new ClaimStatusCalculation(claim, null, "t", null).compute(T0).sandbox());
  }

  @Test
  void C10_expiryRowsComeBeforeTheSandboxRows() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    Condition sandboxReady = condition(SandboxKeys.CONDITION_READY, "True", "DependenciesReady", "2024-01-01T00:00:00Z");

    SandboxClaimStatus expired = new ClaimStatusCalculation(claim, sandboxWith(sandboxReady), null, null, true).compute(T0);
    assertEquals("False", ready(expired).getStatus());
    assertEquals("ClaimExpired", ready(expired).getReason());
    assertEquals("Claim expired. Sandbox cleanup initiated.", ready(expired).getMessage());
    assertEquals(2L, ready(expired).getObservedGeneration());
    assertEquals("sb", expired.sandbox().name(), "mirrored until the Sandbox is gone");

    ReconcileFailure notOwned = ClaimExpiry.notOwned("sb", "c");
    SandboxClaimStatus skipped = new ClaimStatusCalculation(claim, null, null, notOwned, true).compute(T0);
    assertEquals("ClaimExpired", ready(skipped).getReason());
    assertEquals("Claim expired. sandbox not owned by this claim: sandbox \"sb\" is not owned by claim \"c\"; "
        + "deletion skipped.", ready(skipped).getMessage());

    SandboxClaimStatus error = new ClaimStatusCalculation(claim, null, null, new ReconcileFailure("boom"), true).compute(T0);
    assertEquals("ReconcilerError", ready(error).getReason(), "other errors come before the expiry row");

    Condition sandboxExpired = condition(SandboxKeys.CONDITION_READY, "False", "SandboxExpired", "2024-01-01T00:00:00Z");
    SandboxClaimStatus independent = new ClaimStatusCalculation(claim, sandboxWith(sandboxExpired), null, null).compute(T0);
    assertEquals("SandboxExpired", ready(independent).getReason());
    assertEquals("Underlying Sandbox resource has expired independently of the Claim.", ready(independent).getMessage());
  }

  @Test
  void C11_finishedIsCopiedVerbatimAndKeptWithoutASandboxOnlyWhenExpired() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    Condition finished = condition(SandboxKeys.CONDITION_FINISHED, "True", "PodFailed", "2024-06-01T00:00:00Z");
    claim.setStatus(new ClaimStatusCalculation(claim, sandboxWith(finished), null, null).compute(T0));
    assertEquals(finished, claim.getStatus().condition(SandboxKeys.CONDITION_FINISHED).orElseThrow(),
        "verbatim, lastTransitionTime and observedGeneration included");

    assertEquals(finished, new ClaimStatusCalculation(claim, null, null, null, true).compute(T0)
        .condition(SandboxKeys.CONDITION_FINISHED).orElseThrow());
    assertTrue(new ClaimStatusCalculation(claim, null, null, null).compute(T0)
        .condition(SandboxKeys.CONDITION_FINISHED).isEmpty());
    assertTrue(new ClaimStatusCalculation(claim, sandboxWith(), null, null, true).compute(T0)
        .condition(SandboxKeys.CONDITION_FINISHED).isEmpty(), "a Sandbox without Finished removes it");
  }

  @Test
  void C12_expiryIsTheEarlierOfShutdownTimeAndTtlAfterFinished() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    assertTrue(ClaimExpiry.expireAt(claim).isEmpty(), "no lifecycle, no expiry");
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("t"), null, new Lifecycle(null, null, 60), null, null));
    assertTrue(ClaimExpiry.expireAt(claim).isEmpty(), "not finished yet");

    claim.setStatus(new SandboxClaimStatus(
        List.of(condition(SandboxKeys.CONDITION_FINISHED, "True", "PodSucceeded", "2025-01-01T00:00:00Z")), null));
    assertEquals(T0.plusSeconds(60), ClaimExpiry.expireAt(claim).orElseThrow());

    claim.setSpec(new SandboxClaimSpec(new TemplateRef("t"), null, new Lifecycle("2025-01-01T00:00:30Z", null, 60), null, null));
    assertEquals(T0.plusSeconds(30), ClaimExpiry.expireAt(claim).orElseThrow());
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("t"), null, new Lifecycle("2025-01-01T00:05:00Z", null, 60), null, null));
    assertEquals(T0.plusSeconds(60), ClaimExpiry.expireAt(claim).orElseThrow());
    assertFalse(ClaimExpiry.expired(claim, T0.plusSeconds(59)));
    assertTrue(ClaimExpiry.expired(claim, T0.plusSeconds(60)));

    claim.setStatus(new SandboxClaimStatus(
        List.of(condition(SandboxKeys.CONDITION_FINISHED, "False", "x", "2025-01-01T00:00:00Z")), null));
    assertEquals(T0.plusSeconds(300), ClaimExpiry.expireAt(claim).orElseThrow(), "only Finished=True counts");
  }

  @Test
  void C12_requeueBeforeExpiryIsExactlyTheTimeLeft() {
    assertEquals(Duration.ofMillis(1500), ClaimExpiry.requeueAfter(T0, T0.plusMillis(1500)));
    assertEquals(Duration.ZERO, ClaimExpiry.requeueAfter(T0, T0.minusSeconds(1)));
    assertEquals(Duration.ofMillis(1), ClaimExpiry.AFTER_MARK);
    assertEquals(Duration.ofMinutes(1), SandboxClaimReconciler.TEMPLATE_MISSING_REQUEUE);
  }

  @Test
  void C12_theSandboxToCleanUpIsTheOneInTheStatusElseTheClaimsNamesake() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    assertEquals("c", ClaimExpiry.sandboxName(claim));
    claim.setStatus(new SandboxClaimStatus(null, new ClaimedSandbox("pool-abcde", null)));
    assertEquals("pool-abcde", ClaimExpiry.sandboxName(claim));
  }

  @Test
  void X2_eventsAreNormalEventsAboutTheClaimReportedByTheClaimController() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    Event event = ClaimEvents.event(claim, "ClaimExpired", "Deleting", "Deleting Claim (ShutdownPolicy=Delete)",
        Instant.parse("2025-01-01T00:00:00.123456Z"), "sandboxclaim-controller-host");
    assertEquals("Normal", event.getType());
    assertEquals("sandboxclaim-controller", event.getReportingController());
    assertEquals("sandboxclaim-controller-host", event.getReportingInstance());
    assertEquals("ClaimExpired", event.getReason());
    assertEquals("Deleting", event.getAction());
    assertEquals("Deleting Claim (ShutdownPolicy=Delete)", event.getNote());
    assertEquals("2025-01-01T00:00:00.123456Z", event.getEventTime().getTime());
    assertEquals("ns", event.getMetadata().getNamespace());
    assertTrue(event.getMetadata().getName().startsWith("c."));
    assertEquals("SandboxClaim", event.getRegarding().getKind());
    assertEquals("extensions.agents.x-k8s.io/v1alpha1", event.getRegarding().getApiVersion());
    assertEquals("claim-uid", event.getRegarding().getUid());
  }

  @Test
  void X3_invalidMetadataAndNotOwnedAtExpiryAreNotRetried() {
    assertFalse(ClaimExpiry.notOwned("s", "c").retryable());
    var metadata = new dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata(
        Map.of("kubernetes.io/x", "y"), null);
    try {
      ClaimSandboxes.validate(metadata);
      throw new AssertionError("restricted domain accepted");
    } catch (ReconcileFailure e) {
      assertFalse(e.retryable());
    }
    assertTrue(new ReconcileFailure("metadata override conflict").retryable(), "other errors back off and retry");
  }
}
