package dev.agentsandbox.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

class SandboxControllerMainTest {

  @Test
  void noFlagsMeansTheDefaults() {
    assertEquals(ControllerOptions.defaults(), SandboxControllerMain.parse(new String[0]));
    assertEquals("cluster.local", ControllerOptions.defaults().clusterDomain());
    assertEquals(Set.of(), ControllerOptions.defaults().namespaces());
  }

  @Test
  void flagsAcceptEqualsOrSeparateValuesAndRepeatedNamespaces() {
    ControllerOptions options = SandboxControllerMain.parse(new String[] {
        "--cluster-domain=corp.local", "--workers", "8", "--namespace=a,b", "--namespaces", "c"});
    assertEquals("corp.local", options.clusterDomain());
    assertEquals(8, options.workers());
    assertEquals(Set.of("a", "b", "c"), options.namespaces());
  }

  @Test
  void badFlagsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> SandboxControllerMain.parse(new String[] {"--leader-elect=true"}));
    assertThrows(IllegalArgumentException.class, () -> SandboxControllerMain.parse(new String[] {"--workers=0"}));
    assertThrows(IllegalArgumentException.class, () -> SandboxControllerMain.parse(new String[] {"--workers=x"}));
    assertThrows(IllegalArgumentException.class, () -> SandboxControllerMain.parse(new String[] {"--workers"}));
  }
}
