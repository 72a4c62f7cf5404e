package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.runtime.internal.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class ExecuteEndpointTest extends RuntimeServerTestBase {

  @Test
  void runsTheCommandAndReturnsStdoutStderrAndExitCode() {
    JsonNode result = execute("sh -c 'echo out; echo err >&2; exit 3'");

    assertEquals("{\"stdout\":\"out\\n\",\"stderr\":\"err\\n\",\"exit_code\":3}",
        result.toString());
  }

  @Test
  void responseIsJsonWithTheReferenceFieldOrder() {
    HttpResult result = post(server, "/execute", commandJson("echo hello"));

    assertEquals(200, result.status());
    assertEquals("application/json", result.contentType());
    assertEquals("{\"stdout\":\"hello\\n\",\"stderr\":\"\",\"exit_code\":0}", result.text());
  }

  @Test
  void commandIsNotInterpretedByAShell() {
    assertEquals("a | b\n", execute("echo a | b").get("stdout").asText());
    assertEquals("$HOME > x && y\n", execute("echo $HOME > x && y").get("stdout").asText());
    assertFalse(Files.exists(base.resolve("x")));
  }

  @Test
  void quotesAndBackslashesGroupArguments() {
    JsonNode result = execute("printf '%s|' 'a b' \"c \\\"d\\\"\" e\\ f ''");

    assertEquals("a b|c \"d\"|e f||", result.get("stdout").asText());
  }

  @Test
  void runsInTheBaseDirectoryWithAMinimalEnvironment() {
    assertEquals(base + "\n", execute("pwd").get("stdout").asText());
    assertEquals(base + "\n", execute("sh -c 'echo $HOME'").get("stdout").asText());
    assertEquals("C.UTF-8\n", execute("sh -c 'echo $LANG'").get("stdout").asText());
  }

  @Test
  void configuredEnvironmentVariablesReachTheCommand() {
    SandboxRuntimeServer custom = start(o -> o.putEnvironment("GREETING", "hi there"));

    assertEquals("hi there\n",
        execute(custom, "sh -c 'echo $GREETING'").get("stdout").asText());
  }

  @Test
  void outputIsDecodedAsUtf8WithReplacementAndUniversalNewlines() {
    assertEquals("\uFFFDok\u00e9\n", execute("printf '\\377ok\\303\\251\\n'").get("stdout").asText());
    assertEquals("a\nb\nc", execute("printf 'a\\r\\nb\\rc'").get("stdout").asText());
  }

  @Test
  void unknownProgramIsReportedAsAFailedExecution() {
    JsonNode result = execute("no-such-program-4711 --flag");

    assertEquals(1, result.get("exit_code").asInt());
    assertEquals("", result.get("stdout").asText());
    assertEquals("Failed to execute command: [Errno 2] No such file or directory: "
        + "'no-such-program-4711'", result.get("stderr").asText());
  }

  @Test
  void emptyCommandAndUnterminatedQuoteAreFailedExecutions() {
    JsonNode empty = execute("   ");
    assertEquals(1, empty.get("exit_code").asInt());
    assertTrue(empty.get("stderr").asText().startsWith("Failed to execute command:"));

    JsonNode unterminated = execute("echo 'oops");
    assertEquals(1, unterminated.get("exit_code").asInt());
    assertEquals("Failed to execute command: No closing quotation",
        unterminated.get("stderr").asText());
  }

  @Test
  void invalidRequestBodiesAreRejectedWith422AndADetail() {
    for (String body : List.of("", "not json", "[]", "{}", "{\"command\": 5}",
        "{\"command\": null}", "{\"cmd\": \"ls\"}")) {
      HttpResult result = post(server, "/execute", body);
      assertEquals(422, result.status(), body);
      assertTrue(result.json().get("detail").isTextual(), body);
    }
  }

  @Test
  void timeoutKillsTheCommandAndItsGrandchildren() throws Exception {
    SandboxRuntimeServer quick = start(o -> o.execTimeout(Duration.ofSeconds(1)));

    JsonNode result = execute(quick,
        "sh -c 'echo $$ > pids; sleep 30 & echo $! >> pids; sleep 30'");

    assertEquals(1, result.get("exit_code").asInt());
    assertEquals("Failed to execute command: Command '['sh', '-c', 'echo $$ > pids; sleep 30 & "
        + "echo $! >> pids; sleep 30']' timed out after 1.0 seconds",
        result.get("stderr").asText());
    List<Long> pids = readPids(base.resolve("pids"));
    assertEquals(2, pids.size());
    for (long pid : pids) {
      await("process " + pid + " is gone", () -> Processes.gone(pid));
    }
    await("the runtime has no running command", () -> quick.runningCommands() == 0);
  }

  @Test
  void backgroundChildHoldingOutputOpenNeverOutlivesTheTimeoutOrTheRuntime() throws Exception {
    SandboxRuntimeServer quick = start(o -> o.execTimeout(Duration.ofSeconds(1)));

    JsonNode result = execute(quick, "sh -c 'sleep 30 & echo $! > pid'");

    // The JDK closes the pipes when sh exits unless a read is in progress at that moment, so the
    // answer is either sh's own (exit 0) or the timeout; it never waits for the sleeper.
    boolean timedOut = result.get("stderr").asText().contains("timed out");
    assertTrue(timedOut || result.get("exit_code").asInt() == 0, result.toString());
    long pid = readPids(base.resolve("pid")).get(0);
    if (!timedOut) {
      quick.close();
    }
    await("background process is gone", () -> Processes.gone(pid));
  }

  @Test
  void closeKillsBackgroundProcessesLeftByFinishedCommands() throws Exception {
    SandboxRuntimeServer doomed = start(o -> { });

    JsonNode result = execute(doomed, "sh -c 'sleep 30 > /dev/null 2>&1 & echo $! > pid'");
    assertEquals(0, result.get("exit_code").asInt());
    long pid = readPids(base.resolve("pid")).get(0);
    assertFalse(Processes.gone(pid));

    doomed.close();

    await("background process is gone", () -> Processes.gone(pid));
  }

  @Test
  void outputBeyondTheLimitKillsTheCommand() {
    SandboxRuntimeServer capped = start(o -> o.maxOutputBytes(64 * 1024));

    JsonNode stdout = execute(capped, "head -c 10000000 /dev/zero");
    assertEquals(1, stdout.get("exit_code").asInt());
    assertTrue(stdout.get("stderr").asText()
        .startsWith("Failed to execute command: output exceeded"), stdout.toString());

    JsonNode stderr = execute(capped, "sh -c 'head -c 10000000 /dev/zero >&2'");
    assertTrue(stderr.get("stderr").asText()
        .startsWith("Failed to execute command: output exceeded"), stderr.toString());

    JsonNode exact = execute(capped, "head -c 65536 /dev/zero");
    assertEquals(0, exact.get("exit_code").asInt());
    assertEquals(65536, exact.get("stdout").asText().length());
  }

  @Test
  void largeOutputOnBothStreamsDoesNotDeadlock() {
    JsonNode result = execute("sh -c 'head -c 300000 /dev/zero | tr \"\\0\" e >&2; "
        + "head -c 300000 /dev/zero | tr \"\\0\" o'");

    assertEquals(0, result.get("exit_code").asInt());
    assertEquals(300000, result.get("stdout").asText().length());
    assertEquals(300000, result.get("stderr").asText().length());
  }

  @Test
  void commandsRunConcurrently() {
    List<CompletableFuture<JsonNode>> calls = List.of(
        CompletableFuture.supplyAsync(() -> execute("sh -c 'echo one'")),
        CompletableFuture.supplyAsync(() -> execute("sh -c 'echo two'")),
        CompletableFuture.supplyAsync(() -> execute("sh -c 'echo three'")));

    assertEquals(List.of("one\n", "two\n", "three\n"),
        calls.stream().map(f -> f.join().get("stdout").asText()).toList());
  }

  @Test
  void closeKillsRunningCommandsAndFreesThePort() throws Exception {
    SandboxRuntimeServer doomed = start(o -> { });
    int port = doomed.port();
    CompletableFuture<HttpResult> call = CompletableFuture.supplyAsync(() -> post(doomed,
        "/execute", commandJson("sh -c 'sleep 30 & echo $$ $! > pids.tmp; mv pids.tmp pids; wait'")));
    Path pidFile = base.resolve("pids");
    await("the command started", () -> Files.exists(pidFile));
    List<Long> pids = List.of(Files.readString(pidFile).trim().split(" ")).stream()
        .map(Long::parseLong).toList();
    assertEquals(1, doomed.runningCommands());

    doomed.close();

    for (long pid : pids) {
      await("process " + pid + " is gone", () -> Processes.gone(pid));
    }
    assertEquals(0, doomed.runningCommands());
    call.handle((r, e) -> null).join(); // answered or connection closed, but not hanging
    SandboxRuntimeServer again = start(o -> o.port(port));
    assertEquals(port, again.port());
    assertEquals(200, call(new okhttp3.Request.Builder().url(url(again, "/")).build()).status());
  }

  @Test
  void R2_clientsThatGoAwayHaveTheirCommandTreesKilledAndTheirSlotsFreed() throws Exception {
    int slots = CommandRunner.MAX_CONCURRENT_COMMANDS;
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(slots);
    dispatcher.setMaxRequestsPerHost(slots);
    OkHttpClient clients = http.newBuilder().dispatcher(dispatcher).callTimeout(Duration.ZERO).build();
    List<Call> calls = new ArrayList<>();
    try {
      for (int i = 0; i < slots; i++) {
        Call call = clients.newCall(new Request.Builder().url(url(server, "/execute"))
            .post(RequestBody.create(commandJson("sh -c 'sleep 300 & echo $$ $! > p.$$.tmp; "
                + "mv p.$$.tmp p.$$; wait'"), JSON_TYPE)).build());
        call.enqueue(new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
          }

          @Override
          public void onResponse(Call c, Response response) {
            response.close();
          }
        });
        calls.add(call);
      }
      await("every slot is taken", () -> server.runningCommands() == slots
          && pidFiles().size() == slots);
      assertTrue(execute("true").get("stderr").asText().contains("too many commands"));
      List<Long> pids = new ArrayList<>();
      for (Path file : pidFiles()) {
        List.of(Files.readString(file).trim().split(" ")).forEach(p -> pids.add(Long.parseLong(p)));
      }
      assertEquals(2 * slots, pids.size());

      calls.forEach(Call::cancel);

      for (long pid : pids) {
        await("process " + pid + " is gone", () -> Processes.gone(pid));
      }
      await("every slot is free", () -> server.runningCommands() == 0);
      assertEquals("free\n", execute("echo free").get("stdout").asText());
    } finally {
      calls.forEach(Call::cancel);
      dispatcher.executorService().shutdown();
    }
  }

  private List<Path> pidFiles() {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, "p.[0-9]*")) {
      entries.forEach(p -> {
        if (!p.toString().endsWith(".tmp")) {
          files.add(p);
        }
      });
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return files;
  }

  @Test
  void R2_timeoutAskedByTheClientEndsTheCommandTree() throws Exception {
    String command = "sh -c 'echo $$ > pids.tmp; sleep 300 & echo $! >> pids.tmp; mv pids.tmp pids; "
        + "wait'";

    HttpResult result = post(server, "/execute",
        JSON.createObjectNode().put("command", command).put("timeout", 1).toString());

    assertEquals(200, result.status());
    assertEquals(1, result.json().get("exit_code").asInt());
    assertEquals("Failed to execute command: Command '['sh', '-c', 'echo $$ > pids.tmp; sleep 300 & "
        + "echo $! >> pids.tmp; mv pids.tmp pids; wait']' timed out after 1.0 seconds",
        result.json().get("stderr").asText());
    for (long pid : readPids(base.resolve("pids"))) {
      await("process " + pid + " is gone", () -> Processes.gone(pid));
    }
    await("the runtime has no running command", () -> server.runningCommands() == 0);
  }

  @Test
  void R2_timeoutThatIsNotAPositiveNumberIsRejected() {
    for (String timeout : List.of("\"soon\"", "0", "-1", "true", "[1]")) {
      HttpResult result = post(server, "/execute", "{\"command\": \"true\", \"timeout\": " + timeout + "}");
      assertEquals(422, result.status(), timeout);
      assertEquals("Field 'timeout' must be a positive number of seconds",
          result.json().get("detail").asText());
    }
    assertEquals(0, post(server, "/execute", "{\"command\": \"true\", \"timeout\": null}")
        .json().path("exit_code").asInt(-1));
  }

  @Test
  void R10_concurrentCommandsWithTheLargestOutputAreAllAnsweredAndFreeTheirSlots() {
    int size = (int) RuntimeOptions.DEFAULT_MAX_OUTPUT_BYTES;
    // Quotes: every byte doubles in the JSON answer, which is still accepted in full.
    String quotes = "sh -c 'head -c " + size + " /dev/zero | tr \"\\0\" \"\\\"\"'";
    OkHttpClient patient = http.newBuilder().callTimeout(Duration.ofMinutes(3))
        .readTimeout(Duration.ofMinutes(2)).build();

    List<CompletableFuture<HttpResult>> calls = IntStream.range(0, 4)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> callWith(patient, quotes)))
        .toList();

    for (CompletableFuture<HttpResult> call : calls) {
      HttpResult answer = call.join();
      assertEquals(200, answer.status(), answer::text);
      JsonNode json = answer.json();
      assertEquals(0, json.get("exit_code").asInt(), () -> json.get("stderr").asText());
      String stdout = json.get("stdout").asText();
      assertEquals(size, stdout.length());
      assertTrue(stdout.chars().allMatch(c -> c == '"'));
    }
    JsonNode over = callWith(patient, "sh -c 'head -c " + (size + 1) + " /dev/zero >&2'").json();
    assertEquals("Failed to execute command: output exceeded " + size + " bytes on stderr",
        over.get("stderr").asText());
    await("every slot is free", () -> server.runningCommands() == 0);
    assertEquals("alive\n", execute("echo alive").get("stdout").asText());
    launcherSurvived();
  }

  @Test
  void R10_largeOutputKeepsItsCharactersAndNewlinesAcrossChunks() throws IOException {
    // Multi-byte characters, escapes and CRLF line ends straddle chunk boundaries somewhere.
    Files.writeString(base.resolve("gen.sh"), "i=0; while [ $i -lt 40000 ]; do "
        + "printf '\\303\\251t\\303\\251 \\342\\202\\254 \\360\\237\\230\\200 \\\\ \\\\\" \\001\\r\\n'; "
        + "i=$((i+1)); done\n");

    JsonNode result = execute("sh gen.sh");

    assertEquals(0, result.get("exit_code").asInt(), result.get("stderr").asText());
    String line = "\u00e9t\u00e9 \u20ac \ud83d\ude00 \\ \\\" \u0001\n";
    assertEquals(line.repeat(40000), result.get("stdout").asText());
  }

  /** For runtimes with a launcher: it must have survived. */
  void launcherSurvived() {
  }

  HttpResult callWith(OkHttpClient client, String command) {
    try (Response response = client.newCall(new Request.Builder().url(url(server, "/execute"))
        .post(RequestBody.create(commandJson(command), JSON_TYPE)).build()).execute()) {
      return new HttpResult(response.code(), response.header("content-type"), response.body().bytes());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void R14_daemonThatClearsItsEnvironmentDiesWithTheRuntime() throws Exception {
    SandboxRuntimeServer doomed = start(o -> { });

    JsonNode result = execute(doomed, "sh -c 'env -u SANDBOX_RUNTIME_COMMAND sh -c "
        + "\"sleep 300 & echo \\$! > pid.tmp; mv pid.tmp pid\" > /dev/null 2>&1 &'");

    assertEquals(0, result.get("exit_code").asInt(), result.toString());
    Path pidFile = base.resolve("pid");
    await("the daemon started", () -> Files.exists(pidFile));
    long pid = readPids(pidFile).get(0);
    assertFalse(Processes.gone(pid));
    String environment = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
        StandardCharsets.UTF_8);
    assertFalse(environment.contains("SANDBOX_RUNTIME_COMMAND"), "the daemon cleared its marker");

    doomed.close();

    await("the daemon is gone", () -> Processes.gone(pid));
  }
}
