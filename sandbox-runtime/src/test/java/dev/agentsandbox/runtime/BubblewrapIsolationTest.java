package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.runtime.internal.BubblewrapProbe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs only where bubblewrap works; elsewhere these tests are skipped. */
class BubblewrapIsolationTest extends RuntimeServerTestBase {

  SandboxRuntimeServer sandboxed;
  Path outside;

  @BeforeEach
  void startSandboxed() throws IOException {
    assumeTrue(BubblewrapProbe.problem(BubblewrapProbe.locate()).isEmpty(),
        "bubblewrap does not work here");
    sandboxed = start(o -> o.isolation(IsolationPolicy.REQUIRED.resolve())
        .execTimeout(Duration.ofSeconds(20)));
    // Not under /tmp: inside the sandbox /tmp is a fresh tmpfs, which would hide the directory
    // and make the write test pass for the wrong reason.
    Files.createDirectories(Path.of("target"));
    outside = Files.createTempDirectory(Path.of("target"), "bwrap-outside").toRealPath();
  }

  @AfterEach
  void deleteOutside() {
    deleteRecursively(outside);
  }

  @Test
  void commandsCanWriteTheBaseDirectoryButNothingOutsideIt() {
    JsonNode inside = execute(sandboxed, "sh -c 'echo hi > inside.txt && cat inside.txt'");
    assertEquals(0, inside.get("exit_code").asInt(), inside.toString());
    assertEquals("hi\n", inside.get("stdout").asText());
    assertTrue(Files.exists(base.resolve("inside.txt")));

    JsonNode escape = execute(sandboxed, "sh -c 'echo x > " + outside + "/escaped.txt'");
    assertNotEquals(0, escape.get("exit_code").asInt());
    // The host is mounted read-only; a directory under /tmp is not even visible (private /tmp).
    String stderr = escape.get("stderr").asText();
    assertTrue(stderr.contains("Read-only file system") || stderr.contains("nonexistent"), escape.toString());
    assertFalse(Files.exists(outside.resolve("escaped.txt")));
  }

  @Test
  void commandsSeeOnlyAnUnconnectedLoopbackInterface() throws IOException {
    JsonNode devices = execute(sandboxed, "cat /proc/net/dev");
    List<String> interfaces = Arrays.stream(devices.get("stdout").asText().split("\n"))
        .filter(line -> line.contains(":"))
        .map(line -> line.substring(0, line.indexOf(':')).trim())
        .toList();
    assertEquals(List.of("lo"), interfaces);

    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is needed for /dev/tcp");
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      JsonNode connect = execute(sandboxed,
          "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + listener.getLocalPort() + "'");
      assertNotEquals(0, connect.get("exit_code").asInt(), connect.toString());
      JsonNode control = execute(server,
          "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + listener.getLocalPort() + "'");
      assertEquals(0, control.get("exit_code").asInt(), "unsandboxed control: " + control);
    }
  }

  @Test
  void commandsRunInTheirOwnPidNamespace() {
    JsonNode result = execute(sandboxed, "sh -c 'echo $$'");

    assertTrue(Integer.parseInt(result.get("stdout").asText().trim()) < 10, result.toString());
  }

  @Test
  void commandsGetAPrivateTmp() throws IOException {
    Path marker = Files.createTempFile("host-only", ".txt");
    try {
      JsonNode result = execute(sandboxed, "ls " + marker);
      assertNotEquals(0, result.get("exit_code").asInt());
    } finally {
      Files.deleteIfExists(marker);
    }
  }

  @Test
  void missingProgramIsReportedLikeWithoutIsolation() {
    JsonNode result = execute(sandboxed, "no-such-program-4711");

    assertEquals(1, result.get("exit_code").asInt());
    assertEquals("Failed to execute command: [Errno 2] No such file or directory: "
        + "'no-such-program-4711'", result.get("stderr").asText());
  }

  @Test
  void backgroundProcessesDieWithTheCommand() throws IOException {
    JsonNode result = execute(sandboxed, "sh -c 'sleep 30 & echo started'");

    // The pid namespace ends with the command, so the sleeper cannot hold the output open.
    assertEquals(0, result.get("exit_code").asInt(), result.toString());
    assertEquals("started\n", result.get("stdout").asText());
  }
}
