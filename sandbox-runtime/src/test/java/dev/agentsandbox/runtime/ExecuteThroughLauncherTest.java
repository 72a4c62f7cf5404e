package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.runtime.internal.LauncherProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

  @Override
  void launcherSurvived() {
    assertEquals(0, launcher.process().restarts(), "the launcher was started again");
  }

  @Test
  void R11_killedLauncherIsStartedAgainAndItsCommandsAreKilled() throws Exception {
    LauncherProcess process = launcher.process();
    long launcherPid = process.pid();
    long restarts = process.restarts();
    CompletableFuture<HttpResult> running = CompletableFuture.supplyAsync(() -> post(server,
        "/execute", commandJson("sh -c 'echo $$ > pid.tmp; mv pid.tmp pid; sleep 300'")));
    Path pidFile = base.resolve("pid");
    await("the command started", () -> Files.exists(pidFile));
    long commandPid = readPids(pidFile).get(0);

    ProcessHandle.of(launcherPid).orElseThrow().destroyForcibly();

    HttpResult answer = running.get(30, TimeUnit.SECONDS);
    assertEquals(200, answer.status());
    String stderr = answer.json().get("stderr").asText();
    assertTrue(stderr.startsWith("Failed to execute command: the command launcher (pid "
        + launcherPid + ") exited"), stderr);
    await("the command is gone", () -> Processes.gone(commandPid));
    await("a new launcher runs", () -> process.restarts() == restarts + 1);
    assertTrue(process.pid() > 0 && process.pid() != launcherPid);
    assertEquals("again\n", execute("echo again").get("stdout").asText());
    await("the runtime has no running command", () -> server.runningCommands() == 0);
  }

  @Test
  void R11_launcherThatKeepsDyingIsStartedAgainAfterABackoff() {
    LauncherProcess process = launcher.process();
    long restarts = process.restarts();
    for (int death = 1; death <= 2; death++) {
      long pid = process.pid();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      long expected = restarts + death;
      await("the launcher runs again", () -> process.restarts() == expected);
      assertTrue(process.pid() != pid);
    }
    assertEquals("recovered\n", execute("echo recovered").get("stdout").asText());
  }
}
