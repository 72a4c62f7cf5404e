package dev.agentsandbox.runtime;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Starts a real runtime on 127.0.0.1 with an ephemeral port and a fresh base directory for each
 * test, and talks to it over HTTP.
 */
abstract class RuntimeServerTestBase {

  static final ObjectMapper JSON = new ObjectMapper();
  static final MediaType JSON_TYPE = MediaType.get("application/json");

  static Vertx vertx;
  static OkHttpClient http;
  static HttpClient rawHttp;

  Path temp;
  Path base;
  SandboxRuntimeServer server;
  final List<SandboxRuntimeServer> extraServers = new ArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
    rawHttp = vertx.createHttpClient();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    rawHttp.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void startServer() throws IOException {
    temp = Files.createTempDirectory("runtime-test").toRealPath();
    base = Files.createDirectory(temp.resolve("base"));
    server = SandboxRuntimeServer.start(vertx, options().build());
  }

  @AfterEach
  void stopServer() {
    server.close();
    extraServers.forEach(SandboxRuntimeServer::close);
    deleteRecursively(temp);
  }

  /** Options of the server every test gets; tests needing others start one with {@link #start}. */
  RuntimeOptions.Builder options() {
    return RuntimeOptions.builder().host("127.0.0.1").port(0).baseDir(base);
  }

  SandboxRuntimeServer start(Consumer<RuntimeOptions.Builder> customizer) {
    RuntimeOptions.Builder builder = options();
    customizer.accept(builder);
    SandboxRuntimeServer extra = SandboxRuntimeServer.start(vertx, builder.build());
    extraServers.add(extra);
    return extra;
  }

  String url(SandboxRuntimeServer target, String rawPath) {
    return "http://" + target.host() + ":" + target.port() + rawPath;
  }

  HttpResult get(String rawPath) {
    return call(new Request.Builder().url(url(server, rawPath)).build());
  }

  HttpResult post(SandboxRuntimeServer target, String rawPath, String json) {
    return call(new Request.Builder().url(url(target, rawPath))
        .post(RequestBody.create(json, JSON_TYPE)).build());
  }

  JsonNode execute(String command) {
    return execute(server, command);
  }

  JsonNode execute(SandboxRuntimeServer target, String command) {
    HttpResult result = post(target, "/execute", commandJson(command));
    assertTrue(result.status() == 200, () -> "status " + result.status() + ": " + result.text());
    return result.json();
  }

  static String commandJson(String command) {
    return JSON.createObjectNode().put("command", command).toString();
  }

  static HttpResult call(Request request) {
    try (Response response = http.newCall(request).execute()) {
      return new HttpResult(response.code(), response.header("content-type"),
          response.body().bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends a GET with the path exactly as given; OkHttp would normalise {@code ..} segments away.
   */
  HttpResult rawGet(String rawPath) throws Exception {
    return rawHttp.request(HttpMethod.GET, server.port(), "127.0.0.1", rawPath)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> new HttpResult(response.statusCode(),
            response.getHeader("content-type"), body.getBytes())))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  record HttpResult(int status, String contentType, byte[] body) {
    String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + text(), e);
      }
    }
  }

  /** Waits, with a deadline, for something that happens in another process or thread. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }


  static List<Long> readPids(Path file) throws IOException {
    List<Long> pids = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        pids.add(Long.parseLong(line.trim()));
      }
    }
    return pids;
  }

  static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
