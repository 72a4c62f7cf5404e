package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusCalculationTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00.123Z");
  private static final Instant T1 = Instant.parse("2025-01-01T00:01:00Z");

  private final Sandbox sandbox = Fixtures.sandbox("sb", Fixtures.podTemplate(Map.of(), Map.of()));

  private SandboxStatus compute(Pod pod, boolean suspended, String service, boolean required, List<String> errors) {
    return new SandboxStatusCalculation(sandbox, pod, suspended, service, required, errors, "cluster.local").compute(T0);
  }

  private static Condition ready(SandboxStatus status) {
    return status.condition(SandboxKeys.CONDITION_READY).orElseThrow();
  }

  private static Pod pod(String phase, boolean ready, String... ips) {
    PodBuilder builder = new PodBuilder().withNewMetadata().withName("sb").endMetadata().withNewStatus()
        .withPhase(phase)
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .endStatus();
    for (String ip : ips) {
      builder.editStatus().addNewPodIP(ip).endStatus();
    }
    return builder.build();
  }

  @Test
  void S12_readyNeedsARunningReadyPodWithIPs() {
    assertEquals("Pod exists with phase: Pending", ready(compute(pod("Pending", false), false, null, false, List.of())).getMessage());
    assertEquals("Pod is Running but not Ready", ready(compute(pod("Running", false, "10.0.0.1"), false, null, false, List.of())).getMessage());
    assertEquals("Pod is Ready but has no podIPs yet", ready(compute(pod("Running", true), false, null, false, List.of())).getMessage());
    assertEquals("Pod does not exist", ready(compute(null, false, null, false, List.of())).getMessage());

    SandboxStatus status = compute(pod("Running", true, "10.0.0.1", "fd00::1"), false, null, false, List.of());
    Condition ready = ready(status);
    assertEquals("True", ready.getStatus());
    assertEquals("DependenciesReady", ready.getReason());
    assertEquals("Pod is Ready", ready.getMessage());
    assertEquals(3L, ready.getObservedGeneration());
    assertEquals("2025-01-01T00:00:00Z", ready.getLastTransitionTime());
    assertEquals(List.of("10.0.0.1", "fd00::1"), status.podIPs());
    assertEquals(1, status.replicas());
    assertEquals(SandboxKeys.SANDBOX_NAME_HASH + "=" + NameHash.of("sb"), status.selector());
  }

  @Test
  void S12_requiredServiceIsPartOfReadiness() {
    Pod ok = pod("Running", true, "10.0.0.1");
    Condition missing = ready(compute(ok, false, null, true, List.of()));
    assertEquals("False", missing.getStatus());
    assertEquals("DependenciesNotReady", missing.getReason());
    assertEquals("Pod is Ready; Service does not exist", missing.getMessage());

    SandboxStatus status = compute(ok, false, "sb", true, List.of());
    assertEquals("Pod is Ready; Service Exists", ready(status).getMessage());
    assertEquals("sb.ns.svc.cluster.local", status.serviceFQDN());
    assertEquals("sb", status.service());
  }

  @Test
  void S10_serviceNameAndFqdnAreReportedOnlyWhileAnOwnedServiceExists() {
    SandboxStatus withService = compute(null, false, "sb", false, List.of());
    assertEquals("sb", withService.service());
    assertEquals("sb.ns.svc.cluster.local", withService.serviceFQDN());
    sandbox.setStatus(withService);

    SandboxStatus without = compute(null, false, null, false, List.of());
    assertNull(without.service());
    assertNull(without.serviceFQDN());
  }

  @Test
  void S12_childErrorsAreJoinedIntoAReconcilerError() {
    Condition ready = ready(compute(null, false, null, false, List.of("first", "second")));
    assertEquals("ReconcilerError", ready.getReason());
    assertEquals("Error seen: first\nsecond", ready.getMessage());
  }

  @Test
  void S11_suspendedSandboxIsReadyWithoutPodAndKeepsItsSelector() {
    sandbox.setStatus(new SandboxStatus(null, List.of("10.0.0.1"), "kept", null, 1, null));

    SandboxStatus status = compute(null, true, null, false, List.of());
    assertEquals("True", ready(status).getStatus());
    assertEquals("Pod does not exist, replicas is 0", ready(status).getMessage());
    assertNull(status.replicas());
    assertNull(status.podIPs());
    assertEquals("kept", status.selector());
  }

  @Test
  void S13_finishedFollowsTerminalPodPhases() {
    Condition succeeded = compute(pod("Succeeded", false), false, null, false, List.of())
        .condition(SandboxKeys.CONDITION_FINISHED).orElseThrow();
    assertEquals("PodSucceeded", succeeded.getReason());
    assertEquals("Pod completed successfully", succeeded.getMessage());
    Condition failed = compute(pod("Failed", false), false, null, false, List.of())
        .condition(SandboxKeys.CONDITION_FINISHED).orElseThrow();
    assertEquals("PodFailed", failed.getReason());
    assertEquals("Pod failed", failed.getMessage());
    assertTrue(compute(null, false, null, false, List.of()).condition(SandboxKeys.CONDITION_FINISHED).isEmpty());
  }

  @Test
  void S12_transitionTimeChangesOnlyWithTheStatus() {
    sandbox.setStatus(compute(pod("Pending", false), false, null, false, List.of()));
    SandboxStatus later = new SandboxStatusCalculation(sandbox, pod("Running", false), false, null, false, List.of(),
        "cluster.local").compute(T1);
    assertEquals("2025-01-01T00:00:00Z", ready(later).getLastTransitionTime());
    sandbox.setStatus(later);
    SandboxStatus ready = new SandboxStatusCalculation(sandbox, pod("Running", true, "10.0.0.1"), false, null, false,
        List.of(), "cluster.local").compute(T1);
    assertEquals("2025-01-01T00:01:00Z", ready(ready).getLastTransitionTime());
  }

  @Test
  void C10_claimReadyIsCopiedVerbatimFromTheSandbox() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    sandbox.setStatus(compute(pod("Running", true, "10.0.0.1"), false, null, false, List.of()));

    SandboxClaimStatus status = new ClaimStatusCalculation(claim, sandbox, null, null).compute(T1);

    assertEquals(ready(sandbox.getStatus()), status.condition(SandboxKeys.CONDITION_READY).orElseThrow());
    assertEquals("sb", status.sandbox().name());
    assertEquals(List.of("10.0.0.1"), status.sandbox().podIPs());
  }

  @Test
  void C10_claimReasonsWithoutASandboxReadyCondition() {
    SandboxClaim claim = Fixtures.claim("c", "t");
    Condition notFound = new ClaimStatusCalculation(claim, null, "t", null).compute(T0)
        .condition(SandboxKeys.CONDITION_READY).orElseThrow();
    assertEquals("TemplateNotFound", notFound.getReason());
    assertEquals("SandboxTemplate \"t\" not found", notFound.getMessage());
    assertEquals(2L, notFound.getObservedGeneration());

    SandboxClaimStatus error = new ClaimStatusCalculation(claim, sandbox, null, new ReconcileFailure("boom")).compute(T0);
    assertEquals("Error seen: boom", error.condition(SandboxKeys.CONDITION_READY).orElseThrow().getMessage());
    assertNull(error.sandbox(), "C9: any error clears status.sandbox");

    assertEquals("SandboxMissing", new ClaimStatusCalculation(claim, null, null, null).compute(T0)
        .condition(SandboxKeys.CONDITION_READY).orElseThrow().getReason());
    SandboxClaimStatus pending = new ClaimStatusCalculation(claim, sandbox, null, null).compute(T0);
    assertEquals("SandboxNotReady", pending.condition(SandboxKeys.CONDITION_READY).orElseThrow().getReason());
    assertEquals("Sandbox is not ready", pending.condition(SandboxKeys.CONDITION_READY).orElseThrow().getMessage());
    assertEquals("sb", pending.sandbox().name());
  }
}
