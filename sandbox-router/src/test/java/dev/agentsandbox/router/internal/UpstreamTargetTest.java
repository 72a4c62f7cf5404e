package dev.agentsandbox.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamTargetTest {

  @Test
  void firstIpv4PodIpIsPreferred() {
    assertEquals(target("10.0.0.7", "10.0.0.7", 8888), resolve(sandbox("fd00::7", "10.0.0.7", "10.0.0.8"), null));
  }

  @Test
  void ipv6PodIpIsBracketedInTheAuthority() {
    assertEquals(target("fd00::7", "[fd00::7]", 8888), resolve(sandbox("fd00::7"), null));
  }

  @Test
  void hintSelectsOneOfTheSandboxesOwnPodIps() {
    assertEquals(target("fd00::7", "[fd00::7]", 8888), resolve(sandbox("10.0.0.7", "fd00::7"), "fd00:0::7"));
    assertEquals(target("10.0.0.8", "10.0.0.8", 8888), resolve(sandbox("10.0.0.7", "10.0.0.8"), "10.0.0.8"));
  }

  @Test
  void foreignHintIsIgnored() {
    assertEquals(target("10.0.0.7", "10.0.0.7", 8888), resolve(sandbox("10.0.0.7"), "169.254.169.254"));
    assertTrue(UpstreamTarget.isForeignHint(List.of("10.0.0.7"), "169.254.169.254"));
  }

  @Test
  void entriesThatAreNotIpLiteralsAreSkipped() {
    assertEquals(target("10.0.0.7", "10.0.0.7", 8888), resolve(sandbox("evil.example.com", "", "10.0.0.7"), null));
    assertEquals(Optional.empty(), resolve(sandbox("evil.example.com"), "10.0.0.7"));
  }

  @Test
  void serviceFqdnIsUsedWithoutPodIps() {
    Sandbox sandbox = sandbox();
    sandbox.setStatus(new SandboxStatus(null, null, null, "sb", null, "sb.team.svc.cluster.local"));
    assertEquals(target("sb.team.svc.cluster.local", "sb.team.svc.cluster.local", 8888), resolve(sandbox, null));
  }

  @Test
  void serviceNameIsQualifiedWithTheClusterDomainAsLastResort() {
    Sandbox sandbox = sandbox();
    sandbox.setStatus(new SandboxStatus(null, null, null, "sb", null, null));
    assertEquals(Optional.of(new UpstreamTarget("sb.team.svc.example.org", "sb.team.svc.example.org", 9000)),
        UpstreamTarget.resolve(sandbox, 9000, null, "example.org"));
  }

  @Test
  void invalidServiceFqdnGivesNoTarget() {
    Sandbox sandbox = sandbox();
    sandbox.setStatus(new SandboxStatus(null, null, null, null, null, "evil.com:80/x"));
    assertEquals(Optional.empty(), resolve(sandbox, null));
  }

  @Test
  void sandboxWithoutStatusOrAddressesHasNoTarget() {
    Sandbox noStatus = new Sandbox();
    noStatus.setMetadata(new ObjectMetaBuilder().withName("sb").withNamespace("team").build());
    assertEquals(Optional.empty(), resolve(noStatus, null));
    assertEquals(Optional.empty(), resolve(sandbox(), null));
    assertEquals(Optional.empty(), resolve(null, null));
  }

  private static Optional<UpstreamTarget> resolve(Sandbox sandbox, String hint) {
    return UpstreamTarget.resolve(sandbox, 8888, hint, "cluster.local");
  }

  private static Optional<UpstreamTarget> target(String host, String authority, int port) {
    return Optional.of(new UpstreamTarget(host, authority, port));
  }

  private static Sandbox sandbox(String... podIps) {
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName("sb").withNamespace("team").build());
    sandbox.setStatus(new SandboxStatus(null, podIps.length == 0 ? null : Arrays.asList(podIps), null, null, null, null));
    return sandbox;
  }
}
