package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxProcess;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live processes on the legacy runtime, through the Kubernetes pods/exec API when the client
 * allows it: the same SandboxProcess as on sandboxd. Commands run unconfined here, so every exec
 * shares the host's pid namespace and a signal's second exec reaches its process.
 */
class LegacyLiveProcessEndToEndTest {
  private static final String TEMPLATE = "python-runtime-template";
  private static final long WAIT_SECONDS = 30;

  private static UnisolatedCluster embedded;
  private static SandboxClient sandbox;

  @BeforeAll
  static void start() {
    embedded = new UnisolatedCluster(TEMPLATE, true);
    sandbox = embedded.sandbox;
  }

  @AfterAll
  static void stop() {
    if (embedded != null) {
      embedded.close();
    }
  }

  @Test
  void withoutPodExecLiveProcessesAreRefusedWithAHint() {
    try (SandboxClient plain = embedded.client(TEMPLATE).build()) {
      UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
          () -> plain.commands().start("true"));
      assertTrue(refused.getMessage().contains("podExec(true)"), refused.getMessage());
    }
  }

  @Test
  void outputStreamsAndStdinIsWritten() throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    try (SandboxProcess process = sandbox.commands().start("echo start; read line; echo \"got $line\"; echo e >&2")) {
      process.onStdoutLine(lines::add);
      assertEquals("start", lines.poll(WAIT_SECONDS, TimeUnit.SECONDS));
      assertTrue(process.isAlive());
      try (OutputStream stdin = process.stdin()) {
        stdin.write("more\n".getBytes(StandardCharsets.UTF_8));
      }
      ExecutionResult result = process.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(0, result.exitCode());
      assertEquals("e\n", result.stderr(), "the pid line of the wrapper is not output");
      assertEquals("got more", lines.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    }
  }

  @Test
  void closingStdinEndsItsReader() throws Exception {
    try (SandboxProcess cat = sandbox.commands().start(ProcessSpec.of("cat"))) {
      try (OutputStream stdin = cat.stdin()) {
        stdin.write("to cat and back".getBytes(StandardCharsets.UTF_8));
      }
      assertEquals("to cat and back", cat.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).stdout());
    }
  }

  @Test
  void signalsReachTheProcess() throws Exception {
    try (SandboxProcess sleeper = sandbox.commands().start(ProcessSpec.of("sleep", "100"))) {
      sleeper.signal(ProcessSignal.TERMINATE);
      assertEquals(143, sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
    }
    try (SandboxProcess sleeper = sandbox.commands().start(ProcessSpec.builder("sleep", "100")
        .terminal(80, 24).build())) {
      sleeper.signal(ProcessSignal.INTERRUPT);
      assertEquals(130, sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
    }
  }

  @Test
  void aTerminalProcessHasATty() throws Exception {
    try (SandboxProcess tty = sandbox.commands().start(ProcessSpec.builder("sh", "-c", "tty; stty size")
        .terminal(90, 20).build())) {
      String output = tty.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).stdout();
      assertTrue(output.startsWith("/dev/pts/"), output);
      assertTrue(output.contains("20 90"), output);
    }
  }

  @Test
  void environmentAndDirectoryApply() throws Exception {
    sandbox.run("mkdir -p work/here");
    try (SandboxProcess process = sandbox.commands().start(ProcessSpec.builder("sh", "-c", "pwd; echo $X")
        .cwd("work/here").env("X", "set").build())) {
      ExecutionResult result = process.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertTrue(result.stdout().endsWith("work/here\nset\n"), result::toString);
    }
  }

  @Test
  void runAsyncRunsManyCommands() throws Exception {
    List<CompletableFuture<ExecutionResult>> runs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      runs.add(sandbox.commands().runAsync("echo " + i));
    }
    for (int i = 0; i < runs.size(); i++) {
      assertEquals(i + "\n", runs.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS).stdout());
    }
  }

  @Test
  void specsAndFileExtrasRunAsCommandsOnTheLegacyRuntime() {
    sandbox.run("mkdir -p spec/dir");
    ExecutionResult result = sandbox.commands().run(ProcessSpec.builder("sh", "-c", "pwd; echo \"$A\"")
        .cwd("spec/dir").env("A", "it's set").build());
    assertTrue(result.stdout().endsWith("spec/dir\nit's set\n"), result::toString);

    sandbox.files().write("spec/secret.txt", new byte[] {1}, PosixFilePermissions.fromString("rw-------"));
    assertEquals("-rw-------", sandbox.run("ls -l spec/secret.txt").stdout().substring(0, 10));
    assertEquals(1, sandbox.files().stat("spec/secret.txt").orElseThrow().size());
    assertThrows(SandboxException.class, () -> sandbox.files().delete("spec"));
    sandbox.files().delete("spec", true);
    assertFalse(sandbox.files().exists("spec"));
    assertThrows(SandboxFileNotFoundException.class, () -> sandbox.files().delete("spec"));
  }
}
