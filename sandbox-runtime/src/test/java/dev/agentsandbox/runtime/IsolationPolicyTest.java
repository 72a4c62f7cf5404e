package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.runtime.internal.BubblewrapIsolation;
import dev.agentsandbox.runtime.internal.BubblewrapProbe;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class IsolationPolicyTest {

  @Test
  void parsesPolicyNamesIgnoringCase() {
    assertEquals(IsolationPolicy.AUTO, IsolationPolicy.parse("auto"));
    assertEquals(IsolationPolicy.REQUIRED, IsolationPolicy.parse(" Required "));
    assertEquals(IsolationPolicy.NONE, IsolationPolicy.parse("NONE"));
    assertThrows(IllegalArgumentException.class, () -> IsolationPolicy.parse("sometimes"));
  }

  @Test
  void noneRunsCommandsAsTheyAre() {
    CommandIsolation none = IsolationPolicy.NONE.resolve();

    assertSame(CommandIsolation.none(), none);
    assertFalse(none.isolated());
    assertEquals(List.of("ls", "-l"), none.wrap(List.of("ls", "-l"), Path.of("/app")));
  }

  @Test
  void bubblewrapRunsAsNobodyWithoutCapabilitiesAndBindsOnlyTheSystemAndTheBaseWritable() {
    List<String> argv = CommandIsolation.bubblewrap(Path.of("/usr/bin/bwrap"))
        .wrap(List.of("ls", "-l"), Path.of("/sandbox/base"));
    String joined = String.join(" ", argv);

    assertEquals("/usr/bin/bwrap", argv.get(0));
    for (String option : List.of("--unshare-user", "--unshare-net", "--unshare-pid",
        "--unshare-ipc", "--unshare-uts", "--uid 65534", "--gid 65534", "--cap-drop ALL",
        "--die-with-parent", "--new-session", "--ro-bind /usr /usr", "--tmpfs /tmp",
        "--bind /sandbox/base /sandbox/base --chdir /sandbox/base --remount-ro / -- ls -l")) {
      assertTrue(joined.contains(option), option + " missing: " + joined);
    }
    assertTrue(joined.endsWith("--remount-ro / -- ls -l"), joined);
    assertFalse(joined.contains("--ro-bind / /"), joined);
    assertFalse(joined.contains("--ro-bind /etc/shadow"), joined);
    assertFalse(joined.contains("--bind /root") || joined.contains("--bind /home"), joined);
  }

  @Test
  void probeExplainsWhyAMissingBubblewrapCannotBeUsed() {
    Path missing = Path.of("/nonexistent/bwrap");

    assertTrue(BubblewrapProbe.problem(missing).orElseThrow().contains("not installed"));
  }

  @Test
  void autoAndRequiredUseBubblewrapWhenItWorks() {
    assumeTrue(BubblewrapProbe.problem(BubblewrapProbe.locate()).isEmpty(),
        "bubblewrap does not work here");

    assertTrue(IsolationPolicy.AUTO.resolve().isolated());
    assertTrue(IsolationPolicy.REQUIRED.resolve().isolated());
  }

  @Test
  void autoFallsBackAndRequiredFailsWhenBubblewrapDoesNotWork() {
    assumeTrue(BubblewrapProbe.problem(BubblewrapProbe.locate()).isPresent()
        && BubblewrapProbe.problem(new BubblewrapIsolation(BubblewrapProbe.locate(), false))
            .isPresent(), "bubblewrap works here");

    assertFalse(IsolationPolicy.AUTO.resolve().isolated());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        IsolationPolicy.REQUIRED::resolve);
    assertTrue(e.getMessage().contains("Install bubblewrap"));
  }
}
