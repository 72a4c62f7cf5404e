package dev.agentsandbox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.client.SandboxRequestException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sandboxd template on the embedded cluster: the client finds sandboxd on the pod template,
 * tunnels to the pod's gRPC and REST ports (through the API server's port-forward, which presents
 * the pod's access token), and uses live processes and the file API.
 */
class SandboxdEndToEndTest {
  private static final long WAIT_SECONDS = 30;

  private static UnisolatedCluster embedded;
  private static SandboxClient sandbox;

  @BeforeAll
  static void start() {
    embedded = new UnisolatedCluster("sandboxd-template", false);
    sandbox = embedded.sandbox;
  }

  @AfterAll
  static void stop() {
    if (embedded != null) {
      embedded.close();
    }
  }

  @Test
  void runUsesAShellAndProcessSpecsRunAsGiven() {
    ExecutionResult result = sandbox.run("echo hello | tr a-z A-Z; echo oops >&2; exit 3");
    assertEquals(3, result.exitCode());
    assertEquals("HELLO\n", result.stdout());
    assertEquals("oops\n", result.stderr());
    ExecutionResult spec = sandbox.commands().run(ProcessSpec.builder("sh", "-c", "echo $GREETING")
        .env("GREETING", "hi").build());
    assertEquals("hi\n", spec.stdout());
  }

  @Test
  void outputStreamsWhileTheProcessRuns() throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    try (SandboxProcess process = sandbox.commands().start("echo start; read line; echo \"got $line\"")) {
      process.onStdoutLine(lines::add);
      assertEquals("start", lines.poll(WAIT_SECONDS, TimeUnit.SECONDS));
      assertTrue(process.isAlive(), "the first line arrives while the process waits for input");
      process.stdin().write("more\n".getBytes(StandardCharsets.UTF_8));
      process.stdin().flush();
      ExecutionResult result = process.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(0, result.exitCode());
      assertEquals("got more", lines.poll(WAIT_SECONDS, TimeUnit.SECONDS));
      assertEquals("", result.stdout(), "a subscribed stream is not collected");
    }
  }

  @Test
  void stdinEndsWithCloseStdin() throws Exception {
    try (SandboxProcess cat = sandbox.commands().start(ProcessSpec.of("cat"))) {
      try (OutputStream in = cat.stdin()) {
        in.write("written to cat".getBytes(StandardCharsets.UTF_8));
      }
      ExecutionResult result = cat.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals("written to cat", result.stdout());
    }
  }

  @Test
  void signalsEndTheProcess() throws Exception {
    try (SandboxProcess sleeper = sandbox.commands().start(ProcessSpec.of("sleep", "100"))) {
      sleeper.signal(ProcessSignal.INTERRUPT);
      assertEquals(130, sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
    }
    try (SandboxProcess sleeper = sandbox.commands().start(ProcessSpec.of("sleep", "100"))) {
      sleeper.signal(ProcessSignal.TERMINATE);
      assertEquals(143, sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
    }
  }

  @Test
  void aTerminalProcessHasATtyAndResizes() throws Exception {
    try (SandboxProcess shell = sandbox.commands().start(ProcessSpec.builder("sh", "-c",
        "tty; stty size; read x; stty size").terminal(100, 30).build())) {
      List<String> lines = new CopyOnWriteArrayList<>();
      BlockingQueue<String> seen = new LinkedBlockingQueue<>();
      shell.onStdoutLine(line -> {
        lines.add(line);
        seen.add(line);
      });
      assertTrue(seen.poll(WAIT_SECONDS, TimeUnit.SECONDS).startsWith("/dev/pts/"), lines::toString);
      assertEquals("30 100", seen.poll(WAIT_SECONDS, TimeUnit.SECONDS));
      shell.resize(120, 40);
      shell.stdin().write('\n');
      shell.stdin().flush();
      assertEquals(0, shell.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
      assertEquals("40 120", lines.get(lines.size() - 1), lines::toString);
    }
  }

  @Test
  void aPublisherSetsThePace() throws Exception {
    try (SandboxProcess yes = sandbox.commands().start(ProcessSpec.of("head", "-c", "3000000", "/dev/zero"))) {
      long[] received = {0};
      CompletableFuture<Void> done = new CompletableFuture<>();
      yes.stdout().subscribe(new Flow.Subscriber<>() {
        private Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          s.request(1);
        }

        @Override
        public void onNext(ByteBuffer chunk) {
          received[0] += chunk.remaining();
          subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
          done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
          done.complete(null);
        }
      });
      done.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(3_000_000, received[0]);
      assertEquals(0, yes.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS).exitCode());
    }
  }

  @Test
  void manyAsyncRunsFromOneThread() throws Exception {
    List<CompletableFuture<ExecutionResult>> runs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      runs.add(sandbox.commands().runAsync("echo " + i));
    }
    for (int i = 0; i < runs.size(); i++) {
      ExecutionResult result = runs.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(0, result.exitCode());
      assertEquals(i + "\n", result.stdout());
    }
  }

  @Test
  void aMissingProgramIsRefusedAtStart() {
    SandboxRequestException refused = assertThrows(SandboxRequestException.class,
        () -> sandbox.commands().start(ProcessSpec.of("/no/such/program")));
    assertEquals(404, refused.statusCode(), refused.getMessage());
  }

  @Test
  void aTimeoutKillsTheProcess() throws Exception {
    try (SandboxProcess sleeper = sandbox.commands().start(ProcessSpec.builder("sleep", "100")
        .timeout(Duration.ofMillis(300)).build())) {
      ExecutionResult result = sleeper.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertTrue(result.timedOut(), result.toString());
    }
  }

  @Test
  void filesMoveThroughTheRestApi() {
    sandbox.files().write("dir/sub/notes.txt", "some notes");
    assertEquals("some notes", sandbox.files().readString("dir/sub/notes.txt"));
    sandbox.files().write("dir/secret.txt", new byte[] {1, 2, 3}, PosixFilePermissions.fromString("rw-------"));
    assertEquals("-rw-------", sandbox.run("ls -l dir/secret.txt").stdout().substring(0, 10));
    List<String> names = sandbox.files().list("dir").stream().map(FileEntry::name).toList();
    assertEquals(List.of("secret.txt", "sub"), names);
    FileEntry notes = sandbox.files().stat("dir/sub/notes.txt").orElseThrow();
    assertEquals(10, notes.size());
    assertFalse(notes.isDirectory());
    assertTrue(sandbox.files().stat("dir/sub").orElseThrow().isDirectory());
    assertTrue(sandbox.files().stat("dir/none").isEmpty());
    assertTrue(sandbox.files().exists("dir/sub"));
    assertThrows(SandboxRequestException.class, () -> sandbox.files().delete("dir"));
    sandbox.files().delete("dir", true);
    assertFalse(sandbox.files().exists("dir"));
    assertThrows(SandboxFileNotFoundException.class, () -> sandbox.files().read("dir/sub/notes.txt"));
  }
}
