package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runtime as its own process ({@link SandboxRuntimeMain}), with a small heap. */
class StandaloneRuntimeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path base;
  private Process runtime;
  private OkHttpClient http;
  private String url;

  @BeforeEach
  void startRuntime() throws IOException {
    base = Files.createTempDirectory("standalone-runtime").toRealPath();
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    // Started as a background job of a shell without job control starts it (a CI step, say):
    // ignoring SIGINT and SIGQUIT, which the commands it starts must not inherit.
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", "trap '' INT QUIT; exec \"$@\"", "sh",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), SandboxRuntimeMain.class.getName())
        .redirectErrorStream(true)
        .redirectOutput(base.resolve("runtime.log").toFile());
    builder.environment().put("SANDBOX_BASE_DIR", base.resolve("app").toString());
    builder.environment().put("SANDBOX_HOST", "127.0.0.1");
    builder.environment().put("SANDBOX_PORT", Integer.toString(port));
    runtime = builder.start();
    url = "http://127.0.0.1:" + port;
    http = new OkHttpClient.Builder().callTimeout(Duration.ofMinutes(3))
        .readTimeout(Duration.ofMinutes(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!answers()) {
      if (System.nanoTime() > deadline || !runtime.isAlive()) {
        throw new AssertionError("the runtime did not start: " + Files.readString(base.resolve("runtime.log")));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private boolean answers() {
    try (Response response = http.newCall(new Request.Builder().url(url + "/").build()).execute()) {
      return response.code() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  @AfterEach
  void stopRuntime() throws Exception {
    if (runtime != null) {
      runtime.destroy();
      if (!runtime.waitFor(20, TimeUnit.SECONDS)) {
        runtime.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (http != null) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
    RuntimeServerTestBase.deleteRecursively(base);
  }

  @Test
  void R10_runtimeWithASmallHeapAnswersConcurrentCommandsWithTheLargestOutput() {
    int size = (int) RuntimeOptions.DEFAULT_MAX_OUTPUT_BYTES;
    // NUL bytes: each is six characters in the JSON answer, which is streamed, never held.
    String zeros = "head -c " + size + " /dev/zero";

    List<CompletableFuture<JsonNode>> calls = IntStream.range(0, 4)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> execute(zeros)))
        .toList();

    for (CompletableFuture<JsonNode> call : calls) {
      JsonNode json = call.join();
      assertEquals(0, json.get("exit_code").asInt(), () -> json.get("stderr").asText());
      String stdout = json.get("stdout").asText();
      assertEquals(size, stdout.length());
      assertTrue(stdout.chars().allMatch(c -> c == 0));
    }
    assertEquals("alive\n", execute("echo alive").get("stdout").asText());
    assertTrue(runtime.isAlive());
  }

  @Test
  void commandsStartWithDefaultSignalActionsThoughTheRuntimeIgnoresSome() {
    // As in a container: an interrupt ends a command, however the runtime itself was started.
    JsonNode json = execute("grep SigIgn /proc/self/status");
    assertEquals(0, json.get("exit_code").asInt(), () -> json.get("stderr").asText());
    String ignored = json.get("stdout").asText().strip();
    assertTrue(ignored.startsWith("SigIgn:"), ignored);
    // Signals 1 to 31; some tools start processes with glibc's internal 32 ignored.
    assertEquals(0, Long.parseLong(ignored.substring("SigIgn:".length()).strip(), 16) & 0x7fff_ffffL, ignored);
  }

  private JsonNode execute(String command) {
    Request request = new Request.Builder().url(url + "/execute")
        .post(RequestBody.create(JSON.createObjectNode().put("command", command).toString(),
            MediaType.get("application/json")))
        .build();
    try (Response response = http.newCall(request).execute()) {
      assertEquals(200, response.code());
      return JSON.readTree(response.body().byteStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
