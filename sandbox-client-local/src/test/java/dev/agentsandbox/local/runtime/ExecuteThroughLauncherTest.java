package dev.agentsandbox.local.runtime;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every {@code POST /execute} behaviour again, with commands started by a {@link CommandLauncher}
 * process instead of the runtime's JVM: the answers must not differ.
 */
class ExecuteThroughLauncherTest extends ExecuteEndpointTest {
  static CommandLauncher launcher;

  @BeforeAll
  static void startLauncher() throws IOException {
    launcher = CommandLauncher.start(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopLauncher() {
    launcher.close();
  }

  @Override
  RuntimeOptions.Builder options() {
    return super.options().launcher(launcher);
  }
}
