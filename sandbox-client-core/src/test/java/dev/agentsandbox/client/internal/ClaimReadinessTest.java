package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClaimReadinessTest {
  private static SandboxClaim claim(String statusJson) {
    return Serialization.unmarshal("{\"apiVersion\": \"extensions.agents.x-k8s.io/v1alpha1\","
        + " \"kind\": \"SandboxClaim\", \"metadata\": {\"name\": \"c\"}, \"status\": " + statusJson + "}",
        SandboxClaim.class);
  }

  private static ClaimReadiness judge(SandboxClaim claim) {
    return ClaimReadiness.of(claim, claim.getStatus());
  }

  private static String ready(String status, String reason) {
    return "{\"type\": \"Ready\", \"status\": \"" + status + "\", \"reason\": \"" + reason + "\"}";
  }

  @Test
  void readyNeedsTheConditionAndASandboxName() {
    assertEquals(new ClaimReadiness.Ready("pool-abc"), judge(claim(
        "{\"sandbox\": {\"name\": \"pool-abc\"}, \"conditions\": [" + ready("True", "DependenciesReady") + "]}")));
    assertInstanceOf(ClaimReadiness.Pending.class, judge(claim(
        "{\"conditions\": [" + ready("True", "DependenciesReady") + "]}")));
    assertInstanceOf(ClaimReadiness.Pending.class, judge(claim(
        "{\"sandbox\": {\"name\": \"pool-abc\"}, \"conditions\": []}")));
    assertInstanceOf(ClaimReadiness.Pending.class, judge(claim("null")));
  }

  @Test
  void legacyV010ShapeIsReady() {
    assertEquals(new ClaimReadiness.Ready("c"), judge(claim(
        "{\"sandbox\": {\"Name\": \"c\"}, \"conditions\": [" + ready("True", "SandboxReady") + "]}")));
  }

  @Test
  void readinessIgnoresTheReasonText() {
    assertEquals(new ClaimReadiness.Ready("s"), judge(claim(
        "{\"sandbox\": {\"name\": \"s\"}, \"conditions\": [" + ready("True", "AnythingNew") + "]}")));
  }

  @Test
  void missingTemplateIsItsOwnOutcome() {
    assertInstanceOf(ClaimReadiness.TemplateMissing.class, judge(claim(
        "{\"conditions\": [" + ready("False", "TemplateNotFound") + "]}")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"InvalidMetadata", "EnvVarsInjectionRejected", "VolumeClaimTemplatesError",
      "ClaimExpired", "SandboxExpired"})
  void terminalReasonsFail(String reason) {
    assertEquals(new ClaimReadiness.Failed(reason, null), judge(claim(
        "{\"conditions\": [" + ready("False", reason) + "]}")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"AdoptionPending", "SandboxMissing", "SandboxNotReady", "SandboxCreatePending",
      "ReconcilerError", "DependenciesNotReady"})
  void transientReasonsKeepWaiting(String reason) {
    assertInstanceOf(ClaimReadiness.Pending.class, judge(claim(
        "{\"sandbox\": {\"name\": \"s\"}, \"conditions\": [" + ready("False", reason) + "]}")));
  }

  @Test
  void warmPoolNotFoundOnAnyConditionFails() {
    assertEquals(new ClaimReadiness.Failed("WarmPoolNotFound", "no pool"), judge(claim(
        "{\"conditions\": [" + ready("False", "SandboxNotReady") + ", {\"type\": \"WarmPool\","
            + " \"status\": \"False\", \"reason\": \"WarmPoolNotFound\", \"message\": \"no pool\"}]}")));
  }
}
