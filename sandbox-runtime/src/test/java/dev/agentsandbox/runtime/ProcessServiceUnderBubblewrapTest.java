package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.runtime.internal.BubblewrapProbe;

/**
 * The process API with every command under bubblewrap, the embedded cluster's default where it
 * works (elsewhere these tests are skipped): the command's terminal then lives in a devpts of its
 * own, its pids in a pid namespace of its own.
 */
class ProcessServiceUnderBubblewrapTest extends ProcessServiceTest {
  @Override
  RuntimeOptions.Builder options() {
    assumeTrue(BubblewrapProbe.problem(BubblewrapProbe.locate()).isEmpty(), "bubblewrap does not work here");
    return super.options().isolation(IsolationPolicy.REQUIRED.resolve());
  }
}
