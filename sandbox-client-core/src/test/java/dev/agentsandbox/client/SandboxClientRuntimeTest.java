package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.MultipartReader;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Commands and files against OkHttp's MockWebServer standing in for router and runtime. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxClientRuntimeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeCluster cluster;
  private MockWebServer router;
  private SandboxClient sandbox;

  @BeforeEach
  void start() throws IOException {
    cluster = new FakeCluster();
    cluster.controller(FakeController.readyAs("python-pool-x7k2p"));
    router = new MockWebServer();
    router.start(InetAddress.getLoopbackAddress(), 0);
    sandbox = builder().build();
  }

  @AfterEach
  void stop() throws Exception {
    sandbox.close();
    router.shutdown();
    cluster.close();
  }

  private SandboxClient.Builder builder() {
    return SandboxClient.builder()
        .templateName("python-runtime-template")
        .kubernetesClient(cluster.client)
        .connection(ConnectionMode.direct("http://127.0.0.1:" + router.getPort()));
  }

  private static MockResponse json(String body) {
    return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
  }

  @Test
  void runPostsTheCommandAsJsonAndMapsTheResult() throws Exception {
    router.enqueue(json("{\"stdout\": \"Hello from the sandboxed environment!\\n\", \"stderr\": \"\", \"exit_code\": 0}"));

    ExecutionResult result = sandbox.run("echo 'Hello from the sandboxed environment!'");

    assertEquals(new ExecutionResult("Hello from the sandboxed environment!\n", "", 0, false), result);
    assertTrue(result.succeeded());
    RecordedRequest request = router.takeRequest();
    assertEquals("POST", request.getMethod());
    assertEquals("/execute", request.getPath());
    JsonNode body = JSON.readTree(request.getBody().readUtf8());
    assertEquals("echo 'Hello from the sandboxed environment!'", body.get("command").asText());
    assertEquals(180, body.get("timeout").asInt());
    assertEquals(2, body.size());
    assertEquals("python-pool-x7k2p", request.getHeader("X-Sandbox-ID"));
    assertEquals("default", request.getHeader("X-Sandbox-Namespace"));
    assertEquals("8888", request.getHeader("X-Sandbox-Port"));
    assertEquals("180", request.getHeader("X-Sandbox-Timeout"));
  }

  @Test
  void aCommandTheRuntimeKilledAtItsTimeLimitIsAResultThatSaysItTimedOut() {
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"Failed to execute command: Command "
        + "'['sleep', '10']' timed out after 2 seconds\", \"exit_code\": 1}"));
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"Failed to execute command: [Errno 2] No "
        + "such file or directory: 'nope'\", \"exit_code\": 1}"));

    ExecutionResult killed = sandbox.run("sleep 10", Duration.ofSeconds(2));
    ExecutionResult missing = sandbox.run("nope");

    assertTrue(killed.timedOut(), killed.toString());
    assertEquals(1, killed.exitCode());
    assertFalse(missing.timedOut(), missing.toString());
  }

  @Test
  void runWithTimeoutSendsWholeSecondsRoundedUp() throws Exception {
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 0}"));
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 0}"));

    sandbox.run("sleep 1", Duration.ofSeconds(5));
    sandbox.run("sleep 1", Duration.ofMillis(1500));

    RecordedRequest five = router.takeRequest();
    assertEquals("5", five.getHeader("X-Sandbox-Timeout"));
    assertEquals(5, JSON.readTree(five.getBody().readUtf8()).get("timeout").asInt());
    RecordedRequest oneAndAHalf = router.takeRequest();
    assertEquals("2", oneAndAHalf.getHeader("X-Sandbox-Timeout"));
    assertEquals(2, JSON.readTree(oneAndAHalf.getBody().readUtf8()).get("timeout").asInt());
    assertThrows(IllegalArgumentException.class, () -> sandbox.run("ls", Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> sandbox.run("ls", Duration.ofDays(2)));
  }

  @Test
  void nonZeroExitIsAResultWithStderrIntact() {
    router.enqueue(json("{\"stdout\": \"partial\", \"stderr\": \"ls: cannot access 'nope': No such file or directory\\n\\u00e9\", \"exit_code\": 2}"));

    ExecutionResult result = sandbox.run("ls nope");

    assertEquals(2, result.exitCode());
    assertFalse(result.succeeded());
    assertEquals("partial", result.stdout());
    assertEquals("ls: cannot access 'nope': No such file or directory\n\u00e9", result.stderr());
  }

  @Test
  void writeAndReadRoundTripBinaryContentWithEncodedPaths() throws Exception {
    byte[] content = {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80, '\n', (byte) 0xc3};
    router.enqueue(json("{\"message\": \"File uploaded\"}"));
    router.enqueue(new MockResponse().setHeader("Content-Type", "application/octet-stream")
        .setBody(new Buffer().write(content)));

    sandbox.write("/data//./out.bin", content);
    byte[] read = sandbox.read("data/out.bin");

    assertArrayEquals(content, read);
    RecordedRequest upload = router.takeRequest();
    assertEquals("/upload", upload.getPath());
    MediaType type = MediaType.get(upload.getHeader("Content-Type"));
    assertEquals("multipart", type.type());
    try (MultipartReader reader = new MultipartReader(upload.getBody(), type.parameter("boundary"))) {
      MultipartReader.Part part = reader.nextPart();
      assertEquals("form-data; name=\"file\"; filename=\"data/out.bin\"",
          part.headers().get("Content-Disposition"));
      assertArrayEquals(content, part.body().readByteArray());
      assertNull(reader.nextPart());
    }
    RecordedRequest download = router.takeRequest();
    assertEquals("GET", download.getMethod());
    assertEquals("/download/data%2Fout.bin", download.getPath());
    assertEquals("python-pool-x7k2p", download.getHeader("X-Sandbox-ID"));
    assertNull(download.getHeader("X-Sandbox-Timeout"));
  }

  @Test
  void writeTextIsUtf8() throws Exception {
    router.enqueue(json("{\"message\": \"File uploaded\"}"));

    sandbox.write("notes.txt", "h\u00e9llo \u2603");

    RecordedRequest upload = router.takeRequest();
    MediaType type = MediaType.get(upload.getHeader("Content-Type"));
    try (MultipartReader reader = new MultipartReader(upload.getBody(), type.parameter("boundary"))) {
      assertEquals("h\u00e9llo \u2603", reader.nextPart().body().readString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void listMapsEntriesAndEncodesThePath() throws Exception {
    router.enqueue(json("[{\"name\": \"a.txt\", \"size\": 12, \"type\": \"file\", \"mod_time\": 1700000000.25},"
        + " {\"name\": \"sub\", \"size\": 4096, \"type\": \"directory\", \"mod_time\": 1700000001}]"));
    router.enqueue(json("[]"));

    List<FileEntry> entries = sandbox.list("/work/dir/");
    List<FileEntry> root = sandbox.list("/");

    assertEquals(List.of(
        new FileEntry("a.txt", 12, FileEntry.Type.FILE, Instant.ofEpochSecond(1700000000, 250_000_000)),
        new FileEntry("sub", 4096, FileEntry.Type.DIRECTORY, Instant.ofEpochSecond(1700000001))),
        entries);
    assertTrue(root.isEmpty());
    assertEquals("/list/work%2Fdir", router.takeRequest().getPath());
    assertEquals("/list/", router.takeRequest().getPath());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"name\": \"../../x\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"a/b\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"/\", \"size\": 1, \"type\": \"directory\", \"mod_time\": 1}",
      "{\"name\": \"..\", \"size\": 1, \"type\": \"directory\", \"mod_time\": 1}",
      "{\"name\": \".\", \"size\": 1, \"type\": \"directory\", \"mod_time\": 1}",
      "{\"name\": \"\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"nul\\u0000byte\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"line\\nbreak\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"esc\\u001b[2J\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"half\\ud800\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": 7, \"size\": 1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"neg\", \"size\": -1, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"frac\", \"size\": 1.5, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"huge\", \"size\": 99999999999999999999, \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"nosize\", \"type\": \"file\", \"mod_time\": 1}",
      "{\"name\": \"link\", \"size\": 1, \"type\": \"symlink\", \"mod_time\": 1}",
      "{\"name\": \"notype\", \"size\": 1, \"mod_time\": 1}",
      "{\"name\": \"when\", \"size\": 1, \"type\": \"file\", \"mod_time\": \"yesterday\"}",
      "{\"name\": \"far\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1e300}",
      "\"just-a-string\"",
      "{\"name\": \"ok.txt\", \"size\": 1, \"type\": \"file\", \"mod_time\": 1}"})
  void R6_listingWithAnInvalidEntryIsRejectedWhole(String badEntry) {
    // A good entry first, then the bad one (the last case repeats the good entry's name).
    router.enqueue(json("[{\"name\": \"ok.txt\", \"size\": 1, \"type\": \"file\", "
        + "\"mod_time\": 1}, " + badEntry + "]"));

    SandboxRequestException e = assertThrows(SandboxRequestException.class,
        () -> sandbox.list("dir"));

    assertEquals(200, e.statusCode());
    assertTrue(e.getMessage().startsWith("The runtime returned an invalid listing of 'dir'"),
        e.getMessage());
    assertTrue(e.getMessage().contains("The whole listing was rejected"), e.getMessage());
    assertEquals(sandbox.claimName(), e.claimName().orElseThrow());
    assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20), "no raw control characters: "
        + e.getMessage());
    assertEquals(1, router.getRequestCount(), "not retried");
  }

  @Test
  void R6_listingAcceptsNamesARealDirectoryCanHold() {
    String longest = "\u00e9".repeat(127) + "x";
    router.enqueue(json("[{\"name\": \"a b\\\\c \\u00e9\\ud83d\\ude00.txt\", \"size\": 0, "
        + "\"type\": \"file\", \"mod_time\": -1.5}, {\"name\": \"..x\", \"size\": 4096, "
        + "\"type\": \"directory\", \"mod_time\": 0}, {\"name\": \"" + longest + "\", "
        + "\"size\": 9223372036854775807, \"type\": \"file\", \"mod_time\": 1, \"extra\": true}]"));

    List<FileEntry> entries = sandbox.list("");

    assertEquals(List.of(
        new FileEntry("a b\\c \u00e9\ud83d\ude00.txt", 0, FileEntry.Type.FILE,
            Instant.ofEpochSecond(-2, 500_000_000)),
        new FileEntry("..x", 4096, FileEntry.Type.DIRECTORY, Instant.EPOCH),
        new FileEntry(longest, Long.MAX_VALUE, FileEntry.Type.FILE, Instant.ofEpochSecond(1))),
        entries);
  }

  @Test
  void R6_nameLongerThanAFileSystemHoldsIsRejected() {
    router.enqueue(json("[{\"name\": \"" + "x".repeat(256) + "\", \"size\": 1, "
        + "\"type\": \"file\", \"mod_time\": 1}]"));

    SandboxRequestException e = assertThrows(SandboxRequestException.class, () -> sandbox.list(""));

    assertTrue(e.getMessage().contains("longer than 255 bytes"), e.getMessage());
  }

  @Test
  void existsMapsTheAnswer() throws Exception {
    router.enqueue(json("{\"path\": \"a b.txt\", \"exists\": true}"));
    router.enqueue(json("{\"path\": \"x\", \"exists\": false}"));

    assertTrue(sandbox.exists("dir/a b.txt"));
    assertFalse(sandbox.exists("x"));
    assertEquals("/exists/dir%2Fa%20b.txt", router.takeRequest().getPath());
    assertEquals("/exists/x", router.takeRequest().getPath());
  }

  @Test
  void forbiddenIsARequestExceptionWithStatus() {
    router.enqueue(json("{\"message\": \"Access denied\"}").setResponseCode(403));

    SandboxRequestException e = assertThrows(SandboxRequestException.class,
        () -> sandbox.read("link-to-etc/passwd"));

    assertEquals(403, e.statusCode());
    assertEquals("{\"message\": \"Access denied\"}", e.bodyExcerpt());
    assertTrue(e.getMessage().contains("Access denied"), e.getMessage());
    assertEquals(sandbox.claimName(), e.claimName().orElseThrow());
  }

  @Test
  void missingFileIsFileNotFound() {
    router.enqueue(json("{\"message\": \"File not found\"}").setResponseCode(404));

    SandboxFileNotFoundException e = assertThrows(SandboxFileNotFoundException.class,
        () -> sandbox.read("/missing.txt"));

    assertEquals("missing.txt", e.path());
    assertEquals(404, e.statusCode());
  }

  @Test
  void serverErrorOnExecuteIsNotRetriedAndCarriesABoundedExcerpt() {
    router.enqueue(new MockResponse().setResponseCode(500).setBody("x".repeat(5000)));
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 0}"));

    SandboxRequestException e = assertThrows(SandboxRequestException.class, () -> sandbox.run("ls"));

    assertEquals(500, e.statusCode());
    assertEquals(1024, e.bodyExcerpt().length());
    assertEquals(1, router.getRequestCount());
  }

  @Test
  void unavailableOnExecuteIsNotRetried() {
    router.enqueue(new MockResponse().setResponseCode(503));
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 0}"));

    assertThrows(SandboxRequestException.class, () -> sandbox.run("ls"));
    assertEquals(1, router.getRequestCount());
  }

  @Test
  void getIsRetriedOnUnavailable() {
    router.enqueue(json("{\"detail\": \"starting\"}").setResponseCode(503));
    router.enqueue(json("{\"detail\": \"Could not connect to the backend sandbox\"}").setResponseCode(502));
    router.enqueue(json("{\"path\": \"x\", \"exists\": true}"));

    assertTrue(sandbox.exists("x"));
    assertEquals(3, router.getRequestCount());
  }

  @Test
  void getIsRetriedWhenTheConnectionDropsAfterTheRequest() {
    router.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    router.enqueue(new MockResponse().setBody("content"));

    assertArrayEquals("content".getBytes(StandardCharsets.UTF_8), sandbox.read("f.txt"));
    assertEquals(2, router.getRequestCount());
  }

  @Test
  void executeIsNotResentOnceTheRequestMayHaveReachedTheSandbox() {
    router.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    router.enqueue(json("{\"stdout\": \"\", \"stderr\": \"\", \"exit_code\": 0}"));

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> sandbox.run("rm -rf build"));

    assertTrue(e.getMessage().contains("may have reached the sandbox, so it was not sent again"),
        e.getMessage());
    assertEquals(1, router.getRequestCount());
  }

  @Test
  void unreachableRouterIsAConnectionExceptionWithAHint() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (SandboxClient unreachable = builder()
        .connection(ConnectionMode.direct("http://127.0.0.1:" + closedPort))
        .build()) {
      SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
          () -> unreachable.run("ls"));

      assertFalse(e.getMessage().contains("may have reached the sandbox"), e.getMessage());
      assertTrue(e.getMessage().contains("is reachable from here"), e.getMessage());
      assertEquals(unreachable.claimName(), e.claimName().orElseThrow());
    }
  }

  @Test
  void redirectIsAnErrorAndNotFollowed() throws Exception {
    router.enqueue(new MockResponse().setResponseCode(302)
        .setHeader("Location", "http://127.0.0.1:" + router.getPort() + "/download/secret"));
    router.enqueue(new MockResponse().setBody("secret"));

    SandboxRequestException e = assertThrows(SandboxRequestException.class,
        () -> sandbox.read("a.txt"));

    assertEquals(302, e.statusCode());
    assertTrue(e.getMessage().contains("never followed"), e.getMessage());
    assertEquals(1, router.getRequestCount());
  }

  @Test
  void oversizedFileIsAClearErrorNotABufferedResponse() throws Exception {
    try (SandboxClient small = builder().maxResponseSize(1024).build()) {
      router.enqueue(new MockResponse().setBody(new Buffer().write(new byte[4096])));

      SandboxResponseTooLargeException e = assertThrows(SandboxResponseTooLargeException.class,
          () -> small.read("big.bin"));

      assertEquals(1024, e.limitBytes());
      assertTrue(e.getMessage().contains("maxResponseSize"), e.getMessage());
    }
  }

  @Test
  void oversizedStreamedOutputIsAClearError() throws Exception {
    try (SandboxClient small = builder().maxResponseSize(1024).build()) {
      String output = "y\\n".repeat(2000);
      router.enqueue(new MockResponse().setChunkedBody(
          "{\"stdout\": \"" + output + "\", \"stderr\": \"\", \"exit_code\": 0}", 256));

      assertThrows(SandboxResponseTooLargeException.class, () -> small.run("yes"));
    }
  }

  @Test
  void R10_outputOfTheWholeLimitIsAcceptedHoweverLongItsJsonForm() throws Exception {
    int limit = 1024 * 1024;
    try (SandboxClient small = builder().maxResponseSize(limit).build()) {
      // Every quote is escaped: the answer is twice the limit, its text exactly the limit.
      String escaped = "\\\"".repeat(limit);
      router.enqueue(new MockResponse().setChunkedBody(
          "{\"stdout\": \"" + escaped + "\", \"stderr\": \"\", \"exit_code\": 0}", 64 * 1024));
      router.enqueue(new MockResponse().setChunkedBody(
          "{\"stdout\": \"" + escaped + "x\", \"stderr\": \"\", \"exit_code\": 0}", 64 * 1024));

      ExecutionResult result = small.run("cat quotes");
      assertEquals(limit, result.stdout().length());
      assertEquals("\"".repeat(limit), result.stdout());

      SandboxResponseTooLargeException e = assertThrows(SandboxResponseTooLargeException.class,
          () -> small.run("cat quotes; echo x"));
      assertEquals(limit, e.limitBytes());
    }
  }

  @Test
  void malformedRuntimeAnswerIsARequestException() {
    router.enqueue(json("<html>not json</html>"));

    SandboxRequestException e = assertThrows(SandboxRequestException.class, () -> sandbox.run("ls"));
    assertEquals(200, e.statusCode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/../../x", "a/..", "nul\u0000byte", "line\nbreak", "", "/", "."})
  void invalidFilePathIsRejectedBeforeAnythingIsSent(String path) {
    InvalidSandboxPathException e = assertThrows(InvalidSandboxPathException.class,
        () -> sandbox.read(path));

    assertEquals(path, e.path());
    assertFalse(e.getMessage().contains("\u0000"));
    assertThrows(InvalidSandboxPathException.class, () -> sandbox.write(path, new byte[1]));
    assertEquals(0, router.getRequestCount());
  }

  @Test
  void absolutePathIsMadeRelative() throws Exception {
    router.enqueue(new MockResponse().setBody("x"));

    sandbox.read("/abs/x");

    assertEquals("/download/abs%2Fx", router.takeRequest().getPath());
  }

  @Test
  void closeReleasesConnectionsAndThreadsAndCancelsNothingTwice() throws Exception {
    router.enqueue(json("{\"path\": \"x\", \"exists\": true}"));
    sandbox.exists("x");
    OkHttpClient http = sandbox.httpClient();
    assertEquals(1, http.connectionPool().connectionCount());

    sandbox.close();

    assertEquals(0, http.connectionPool().connectionCount());
    assertTrue(http.dispatcher().executorService().isShutdown());
    assertEquals(0, http.dispatcher().runningCallsCount());
    assertTrue(cluster.claims().isEmpty());
    sandbox.close();
  }

  @Test
  void closeFromAnotherThreadCancelsACallInFlight() throws Exception {
    router.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    Thread closer = new Thread(() -> {
      try {
        router.takeRequest();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      sandbox.close();
    });
    closer.start();

    SandboxException e = assertThrows(SandboxException.class, () -> sandbox.run("sleep 100"));
    closer.join();

    assertInstanceOf(SandboxConnectionException.class, e);
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  private static final String COULD_NOT_CONNECT =
      "{\"detail\": \"Could not connect to the backend sandbox: python-pool-x7k2p\"}";

  @Test
  void R5_callToASandboxWhoseClaimWasDeletedSaysSo() {
    cluster.client.resources(dev.agentsandbox.model.v1alpha1.SandboxClaim.class)
        .inNamespace("default").withName(sandbox.claimName()).delete();
    router.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return json(COULD_NOT_CONNECT).setResponseCode(502);
      }
    });

    SandboxGoneException run = assertThrows(SandboxGoneException.class, () -> sandbox.run("ls"));
    SandboxGoneException read = assertThrows(SandboxGoneException.class,
        () -> sandbox.read("a.txt"));

    assertEquals(ClaimFailedException.REASON_DELETED, run.reason());
    assertEquals(sandbox.claimName(), run.claimName().orElseThrow());
    assertEquals("default", run.namespace().orElseThrow());
    assertTrue(run.getMessage().contains("SandboxClaim '" + sandbox.claimName()
        + "' in namespace 'default' is gone"), run.getMessage());
    assertTrue(run.getMessage().contains("create a new sandbox"), run.getMessage());
    SandboxRequestException cause = assertInstanceOf(SandboxRequestException.class, run.getCause());
    assertEquals(502, cause.statusCode());
    assertEquals(ClaimFailedException.REASON_DELETED, read.reason());
  }

  @Test
  void R5_callToASandboxWhoseClaimExpiredSaysSo() {
    FakeController.writeStatus(cluster.client, cluster.claims().get(0), "python-pool-x7k2p",
        FakeController.condition("False", "ClaimExpired", "shutdownTime passed"));
    routerCannotConnect();

    SandboxGoneException e = assertThrows(SandboxGoneException.class, () -> sandbox.run("ls"));

    assertEquals("ClaimExpired", e.reason());
    assertEquals("shutdownTime passed", e.detail());
  }

  @Test
  void R5_routerFailureWhileTheClaimStillExistsIsReportedAsItIs() {
    routerCannotConnect();

    SandboxRequestException e = assertThrows(SandboxRequestException.class,
        () -> sandbox.run("ls"));

    assertEquals(502, e.statusCode());
    assertEquals(SandboxRequestException.class, e.getClass());
  }

  @Test
  void commandIsSentAgainWhenTheRouterCouldNotConnectToTheSandbox() {
    router.enqueue(json(COULD_NOT_CONNECT).setResponseCode(502));
    router.enqueue(json("{\"stdout\": \"once\", \"stderr\": \"\", \"exit_code\": 0}"));

    assertEquals("once", sandbox.run("echo once").stdout());
    assertEquals(2, router.getRequestCount());
  }

  @Test
  void commandIsNotSentAgainAfterAnyOther502() {
    router.enqueue(json("{\"detail\": \"Bad gateway\"}").setResponseCode(502));
    router.enqueue(json("{\"stdout\": \"twice\", \"stderr\": \"\", \"exit_code\": 0}"));

    assertEquals(502, assertThrows(SandboxRequestException.class, () -> sandbox.run("ls")).statusCode());
    assertEquals(1, router.getRequestCount());
  }

  /** The router answers every request with its "could not connect" 502. */
  private void routerCannotConnect() {
    router.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return json(COULD_NOT_CONNECT).setResponseCode(502);
      }
    });
  }

  /** What a blocked operation did on its own thread: its failure and its interrupt flag. */
  private record Outcome(Throwable failure, boolean interruptFlag) {
  }

  private static Outcome outcomeOf(Runnable operation) {
    try {
      operation.run();
      return new Outcome(null, Thread.currentThread().isInterrupted());
    } catch (RuntimeException e) {
      return new Outcome(e, Thread.currentThread().isInterrupted());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"run", "read", "write", "list"})
  void R3_interruptCancelsABlockedCallAndKeepsTheFlag(String operation) throws Exception {
    router.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    Runnable call = switch (operation) {
      case "run" -> () -> sandbox.run("sleep 100");
      case "read" -> () -> sandbox.read("big.bin");
      case "write" -> () -> sandbox.write("out.bin", new byte[1024]);
      default -> () -> sandbox.list("dir");
    };
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      Future<Outcome> outcome = worker.submit(() -> outcomeOf(call));
      assertTrue(router.takeRequest(10, TimeUnit.SECONDS) != null, "the request reached the router");

      worker.shutdownNow(); // interrupts the blocked thread

      Outcome done = outcome.get(10, TimeUnit.SECONDS);
      SandboxInterruptedException e = assertInstanceOf(SandboxInterruptedException.class,
          done.failure());
      assertTrue(done.interruptFlag(), "the interrupt flag is kept");
      assertTrue(e.getMessage().contains("the request was cancelled"), e.getMessage());
      assertEquals(sandbox.claimName(), e.claimName().orElseThrow());
      if (operation.equals("run")) {
        assertTrue(e.getMessage().contains("may still be running"), e.getMessage());
      }
      assertEquals(0, sandbox.httpClient().connectionPool().connectionCount(),
          "the cancelled call's connection is closed, not pooled");
      assertEquals(1, router.getRequestCount(), "nothing was sent again");
    } finally {
      worker.shutdownNow();
      assertTrue(worker.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void R3_interruptWatchdogThreadEndsOnceNoCallIsInFlight() throws Exception {
    router.enqueue(json("{\"path\": \"x\", \"exists\": true}"));

    assertTrue(sandbox.exists("x"));

    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().equals("sandbox-client-interrupt-watchdog")) {
        thread.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(thread.isAlive(), "the watchdog outlives the calls");
      }
    }
  }

  @Test
  void R3_futureCancelStopsABlockedRun() throws Exception {
    router.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    router.enqueue(json("{\"stdout\": \"next\", \"stderr\": \"\", \"exit_code\": 0}"));
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.CompletableFuture<Outcome> outcome = new java.util.concurrent.CompletableFuture<>();
      Future<?> task = worker.submit(() -> outcome.complete(outcomeOf(() -> sandbox.run("sleep 100"))));
      router.takeRequest(10, TimeUnit.SECONDS);

      assertTrue(task.cancel(true));

      Outcome done = outcome.get(10, TimeUnit.SECONDS);
      assertInstanceOf(SandboxInterruptedException.class, done.failure());
      assertTrue(done.interruptFlag());
      // The client is still usable from another thread.
      assertEquals("next", sandbox.run("echo next").stdout());
    } finally {
      worker.shutdownNow();
      assertTrue(worker.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void R3_interruptDuringTheRetryPauseStopsRetrying() throws Exception {
    try (SandboxClient patient = builder()
        .retryPolicy(RetryPolicy.of(5, Duration.ofMinutes(10), Duration.ofMinutes(10)))
        .build()) {
      router.enqueue(new MockResponse().setResponseCode(503));
      router.enqueue(json("{\"path\": \"x\", \"exists\": true}"));
      ExecutorService worker = Executors.newSingleThreadExecutor();
      try {
        Future<Outcome> outcome = worker.submit(() -> outcomeOf(() -> patient.exists("x")));
        router.takeRequest(10, TimeUnit.SECONDS);

        worker.shutdownNow();

        Outcome done = outcome.get(10, TimeUnit.SECONDS);
        assertInstanceOf(SandboxInterruptedException.class, done.failure());
        assertTrue(done.interruptFlag());
        assertEquals(1, router.getRequestCount());
      } finally {
        worker.shutdownNow();
        assertTrue(worker.awaitTermination(10, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void R3_interruptWhileWaitingForReadinessDeletesTheClaim() throws Exception {
    try (FakeCluster slow = new FakeCluster()) {
      FakeController controller = slow.controller(FakeController.notReady("Pending", "waiting"));
      ExecutorService worker = Executors.newSingleThreadExecutor();
      try {
        Future<Outcome> outcome = worker.submit(() -> outcomeOf(() -> SandboxClient.builder()
            .templateName("python-runtime-template")
            .kubernetesClient(slow.client)
            .connection(ConnectionMode.direct("http://127.0.0.1:" + router.getPort()))
            .build()));
        assertTrue(controller.seen.poll(10, TimeUnit.SECONDS) != null, "the claim was created");

        worker.shutdownNow();

        Outcome done = outcome.get(10, TimeUnit.SECONDS);
        SandboxInterruptedException e = assertInstanceOf(SandboxInterruptedException.class,
            done.failure());
        assertTrue(done.interruptFlag());
        assertTrue(e.getMessage().contains("the claim was deleted"), e.getMessage());
        assertTrue(slow.claims().isEmpty());
      } finally {
        worker.shutdownNow();
        assertTrue(worker.awaitTermination(10, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void concurrentRunsEachGetTheirOwnResult() throws Exception {
    router.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        try {
          String command = JSON.readTree(request.getBody().readUtf8()).get("command").asText();
          return json(JSON.writeValueAsString(
              Map.of("stdout", command, "stderr", "", "exit_code", 0)));
        } catch (IOException e) {
          return new MockResponse().setResponseCode(400);
        }
      }
    });
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ExecutionResult>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        String command = "echo " + i;
        results.add(pool.submit(() -> sandbox.run(command)));
      }
      for (int i = 0; i < 32; i++) {
        assertEquals("echo " + i, results.get(i).get(30, TimeUnit.SECONDS).stdout());
      }
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }
}
