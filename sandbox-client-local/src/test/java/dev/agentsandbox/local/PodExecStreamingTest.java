package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.runtime.Processes;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pods/exec} on the embedded cluster runs commands live, as a kubelet does: output while
 * the command runs, standard input, a terminal with resizes, the exit code, and a command that
 * ends when its client goes away. Driven by fabric8's exec, on a legacy-runtime sandbox pod.
 */
class PodExecStreamingTest {
  private static final long WAIT_SECONDS = 30;

  private static UnisolatedCluster embedded;
  private static LocalSandboxCluster cluster;
  private static SandboxClient sandbox;

  @BeforeAll
  static void start() {
    embedded = new UnisolatedCluster("python-runtime-template", false);
    cluster = embedded.cluster;
    sandbox = embedded.sandbox;
  }

  @AfterAll
  static void stop() {
    if (embedded != null) {
      embedded.close();
    }
  }

  private static PodResource pod() {
    return cluster.client().pods().inNamespace("default").withName(sandbox.podName());
  }

  @Test
  void outputArrivesWhileTheCommandWaitsForInput() throws Exception {
    try (ExecWatch exec = pod().redirectingInput().redirectingOutput().redirectingError()
        .exec("sh", "-c", "echo start; read line; echo \"got $line\"; echo oops >&2; exit 3")) {
      BufferedReader out = new BufferedReader(new InputStreamReader(exec.getOutput(), StandardCharsets.UTF_8));
      assertEquals("start", out.readLine());
      exec.getInput().write("more\n".getBytes(StandardCharsets.UTF_8));
      exec.getInput().flush();
      assertEquals("got more", out.readLine());
      BufferedReader err = new BufferedReader(new InputStreamReader(exec.getError(), StandardCharsets.UTF_8));
      assertEquals("oops", err.readLine());
      assertEquals(3, exec.exitCode().get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
  }

  @Test
  void aTerminalIsATerminalAndResizes() throws Exception {
    try (ExecWatch exec = pod().redirectingInput().redirectingOutput().withTTY()
        .exec("sh", "-c", "tty; read x; stty size")) {
      BufferedReader out = new BufferedReader(new InputStreamReader(exec.getOutput(), StandardCharsets.UTF_8));
      assertTrue(out.readLine().startsWith("/dev/pts/"));
      exec.resize(111, 33);
      exec.getInput().write('\n');
      exec.getInput().flush();
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      exec.getOutput().transferTo(rest);
      assertTrue(rest.toString(StandardCharsets.UTF_8).contains("33 111"), rest::toString);
      assertEquals(0, exec.exitCode().get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
  }

  @Test
  void theCommandEndsWithItsClient() throws Exception {
    long pid;
    try (ExecWatch exec = pod().redirectingOutput().exec("sh", "-c", "echo $$; exec sleep 300")) {
      BufferedReader out = new BufferedReader(new InputStreamReader(exec.getOutput(), StandardCharsets.UTF_8));
      pid = Long.parseLong(out.readLine().strip());
      assertFalse(Processes.gone(pid));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!Processes.gone(pid)) {
      assertTrue(System.nanoTime() < deadline, "the command outlived its exec's client");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Test
  void aFastCommandsOutputIsKept() throws Exception {
    for (int i = 0; i < 5; i++) {
      try (ExecWatch exec = pod().redirectingInput().redirectingOutput().redirectingError()
          .exec("sh", "-c", "echo $$ >&2; exec sh -c 'echo one; echo two'")) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        exec.getOutput().transferTo(out);
        assertEquals("one\ntwo\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(0, exec.exitCode().get(WAIT_SECONDS, TimeUnit.SECONDS));
      }
    }
  }
}
