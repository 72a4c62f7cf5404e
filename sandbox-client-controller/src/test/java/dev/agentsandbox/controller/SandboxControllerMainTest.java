package dev.agentsandbox.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The program's flags: the reference controller's names, defaults and checks (spec X5). */
class SandboxControllerMainTest {

  private static ControllerFlags parse(String... args) {
    return ControllerFlags.parse(args, Map.of());
  }

  @Test
  void X5_noFlagsMeansTheReferenceDefaults() {
    ControllerFlags flags = parse();
    ControllerOptions options = flags.options();
    assertEquals("cluster.local", options.clusterDomain());
    assertEquals(Optional.of(new InetSocketAddress(8080)), flags.metricsAddress());
    assertEquals(Optional.of(new InetSocketAddress(8081)), flags.healthAddress());
    assertEquals(LeaderElection.DEFAULT_LEASE_NAME, options.leaderElection().orElseThrow().leaseName());
    assertEquals(Optional.empty(), options.leaderElection().orElseThrow().namespace(),
        "an empty --leader-election-namespace means the pod's namespace");
    assertFalse(options.extensions(), "without --extensions only the Sandbox controller runs");
    assertEquals(1, options.workers(), "one Sandbox worker");
    assertEquals(-1, flags.kubeApiQps());
    assertEquals(10, flags.kubeApiBurst());
    assertEquals(Set.of(), options.namespaces());
    assertEquals(List.of(), flags.warnings());
  }

  @Test
  void X5_theDeploymentArgumentsTurnOnLeaderElectionAndExtensions() {
    ControllerFlags flags = parse("--leader-elect=true", "--extensions");
    assertTrue(flags.options().extensions());
    assertTrue(flags.options().leaderElection().isPresent());
    assertEquals(4, flags.options().workers(), "one worker for each of the four reconcilers");
  }

  @Test
  void X5_everyFlagTakesEqualsOrSeparateValuesAndOneOrTwoDashes() {
    ControllerFlags flags = parse("--cluster-domain=corp.local", "-metrics-bind-address", "127.0.0.1:9090",
        "--health-probe-bind-address=[::1]:9091", "--leader-elect=false", "--extensions=true",
        "--kube-api-qps", "50.5", "--kube-api-burst=100", "--sandbox-concurrent-workers=3",
        "--sandbox-claim-concurrent-workers=2", "--sandbox-warm-pool-concurrent-workers=2",
        "--sandbox-template-concurrent-workers=1", "--namespace=a,b", "--namespaces", "c");
    ControllerOptions options = flags.options();
    assertEquals("corp.local", options.clusterDomain());
    assertEquals(Optional.of(new InetSocketAddress("127.0.0.1", 9090)), flags.metricsAddress());
    assertEquals(Optional.of(new InetSocketAddress("::1", 9091)), flags.healthAddress());
    assertTrue(options.leaderElection().isEmpty());
    assertEquals(8, options.workers());
    assertEquals(50.5, flags.kubeApiQps());
    assertEquals(100, flags.kubeApiBurst());
    assertEquals(Set.of("a", "b", "c"), options.namespaces());
  }

  @Test
  void X5_zeroDisablesAnEndpointAndTheLeaseNamespaceCanBeSet() {
    ControllerFlags flags = parse("--metrics-bind-address=0", "--health-probe-bind-address", "0",
        "--leader-election-namespace=agent-sandbox-system");
    assertEquals(Optional.empty(), flags.metricsAddress());
    assertEquals(Optional.empty(), flags.healthAddress());
    assertEquals(Optional.of("agent-sandbox-system"), flags.options().leaderElection().orElseThrow().namespace());
  }

  @Test
  void X5_environmentVariablesSetFlagsAndFlagsWin() {
    ControllerFlags flags = ControllerFlags.parse(new String[] {"--kube-api-burst=7"}, Map.of(
        "AGENT_SANDBOX_EXTENSIONS", "true",
        "AGENT_SANDBOX_KUBE_API_BURST", "3",
        "AGENT_SANDBOX_CLUSTER_DOMAIN", "env.local"));
    assertTrue(flags.options().extensions());
    assertEquals(7, flags.kubeApiBurst());
    assertEquals("env.local", flags.options().clusterDomain());
  }

  @Test
  void X5_profilerAndTracingFlagsAreAcceptedWithAWarning() {
    ControllerFlags flags = parse("--enable-pprof", "--enable-pprof-debug=true", "--pprof-block-profile-rate=5",
        "--pprof-mutex-profile-fraction", "2", "--enable-tracing");
    assertEquals(3, flags.warnings().size());
    assertTrue(flags.warnings().get(0).contains("--enable-tracing is not supported yet"));
  }

  @Test
  void X5_burstAndTheFirstThreeWorkerCountsMustBePositive() {
    for (String flag : List.of("--kube-api-burst", "--sandbox-concurrent-workers",
        "--sandbox-claim-concurrent-workers", "--sandbox-warm-pool-concurrent-workers")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(flag + "=0"));
      assertEquals(flag + " must be greater than 0, got 0", e.getMessage());
    }
  }

  @Test
  void X5_badFlagsAreRejectedNamingTheFlag() {
    assertMessage("unknown flag --workers", "--workers=4");
    assertMessage("--kube-api-qps must be a number, got \"fast\"", "--kube-api-qps=fast");
    assertMessage("--leader-elect must be true or false, got \"yes\"", "--leader-elect=yes");
    assertMessage("flag needs an argument: --cluster-domain", "--cluster-domain");
    assertMessage("--metrics-bind-address must be host:port, :port or 0, got \"8080\"", "--metrics-bind-address=8080");
    assertMessage("--sandbox-concurrent-workers must be an integer, got \"x\"", "--sandbox-concurrent-workers=x");
    assertMessage("unexpected argument \"extra\"", "extra");
  }

  private static void assertMessage(String message, String... args) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage());
  }
}
