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

  private static String ready(String status, String reason) {
    return "{\"type\": \"Ready\", \"status\": \"" + status + "\", \"reason\": \"" + reason + "\"}";
  }

  @Test
  void readyNeedsTheConditionAndASandboxName() {
    assertEquals(new ClaimReadiness.Ready("pool-abc"), ClaimReadiness.of(claim(
        "{\"sandbox\": {\"name\": \"pool-abc\"}, \"conditions\": [" + ready("True", "DependenciesReady") + "]}")));
    assertInstanceOf(ClaimReadiness.Pending.class, ClaimReadiness.of(claim(
        "{\"conditions\": [" + ready("True", "DependenciesReady") + "]}")));
    assertInstanceOf(ClaimReadiness.Pending.class, ClaimReadiness.of(claim(
        "{\"sandbox\": {\"name\": \"pool-abc\"}, \"conditions\": []}")));
    assertInstanceOf(ClaimReadiness.Pending.class, ClaimReadiness.of(claim("null")));
  }

  @Test
  void legacyV010ShapeIsReady() {
    assertEquals(new ClaimReadiness.Ready("c"), ClaimReadiness.of(claim(
        "{\"sandbox\": {\"Name\": \"c\"}, \"conditions\": [" + ready("True", "SandboxReady") + "]}")));
  }

  @Test
  void readinessIgnoresTheReasonText() {
    assertEquals(new ClaimReadiness.Ready("s"), ClaimReadiness.of(claim(
        "{\"sandbox\": {\"name\": \"s\"}, \"conditions\": [" + ready("True", "AnythingNew") + "]}")));
  }

  @Test
  void missingTemplateIsItsOwnOutcome() {
    assertInstanceOf(ClaimReadiness.TemplateMissing.class, ClaimReadiness.of(claim(
        "{\"conditions\": [" + ready("False", "TemplateNotFound") + "]}")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"InvalidMetadata", "EnvVarsInjectionRejected", "VolumeClaimTemplatesError",
      "ClaimExpired", "SandboxExpired"})
  void terminalReasonsFail(String reason) {
    assertEquals(new ClaimReadiness.Failed(reason, null), ClaimReadiness.of(claim(
        "{\"conditions\": [" + ready("False", reason) + "]}")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"AdoptionPending", "SandboxMissing", "SandboxNotReady", "SandboxCreatePending",
      "ReconcilerError", "DependenciesNotReady"})
  void transientReasonsKeepWaiting(String reason) {
    assertInstanceOf(ClaimReadiness.Pending.class, ClaimReadiness.of(claim(
        "{\"sandbox\": {\"name\": \"s\"}, \"conditions\": [" + ready("False", reason) + "]}")));
  }

  @Test
  void warmPoolNotFoundOnAnyConditionFails() {
    assertEquals(new ClaimReadiness.Failed("WarmPoolNotFound", "no pool"), ClaimReadiness.of(claim(
        "{\"conditions\": [" + ready("False", "SandboxNotReady") + ", {\"type\": \"WarmPool\","
            + " \"status\": \"False\", \"reason\": \"WarmPoolNotFound\", \"message\": \"no pool\"}]}")));
  }
}
