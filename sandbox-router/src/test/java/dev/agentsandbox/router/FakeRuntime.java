package dev.agentsandbox.router;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sandbox runtime stand-in on 127.0.0.1 that reports what it received and can stream large
 * bodies in steps the test controls.
 */
final class FakeRuntime implements AutoCloseable {
  static final int CHUNK = 64 * 1024;

  /** Completed when the first bytes of an upload to {@code /upload} arrive. */
  final CompletableFuture<Void> uploadStarted = new CompletableFuture<>();
  /** Completed by the test to let {@code /download} send everything after its first chunk. */
  final CompletableFuture<Void> releaseDownload = new CompletableFuture<>();
  final AtomicInteger secretHits = new AtomicInteger();

  private final HttpServer server;

  private FakeRuntime(HttpServer server) {
    this.server = server;
  }

  static FakeRuntime start(Vertx vertx) throws Exception {
    HttpServer server = vertx.createHttpServer();
    FakeRuntime runtime = new FakeRuntime(server);
    server.requestHandler(runtime::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return runtime;
  }

  int port() {
    return server.actualPort();
  }

  /** SHA-256 of the first {@code size} bytes of the deterministic stream used for large bodies. */
  static String expectedSha256(long size) {
    MessageDigest digest = sha256();
    Random random = new Random(42);
    byte[] chunk = new byte[CHUNK];
    for (long sent = 0; sent < size; sent += CHUNK) {
      random.nextBytes(chunk);
      digest.update(chunk, 0, (int) Math.min(CHUNK, size - sent));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    HttpServerResponse response = request.response();
    switch (path) {
      case "/hang" -> {
        // Never answers; the router must time out.
      }
      case "/redirect" -> response.setStatusCode(302)
          .putHeader(HttpHeaders.LOCATION, "http://127.0.0.1:" + port() + "/secret")
          .end();
      case "/secret" -> {
        secretHits.incrementAndGet();
        response.end("secret");
      }
      case "/hop" -> response
          .putHeader("Connection", "X-Hop-Private")
          .putHeader("X-Hop-Private", "1")
          .putHeader("Keep-Alive", "timeout=5, max=100")
          .putHeader("Proxy-Authenticate", "Basic realm=x")
          .putHeader("Trailer", "X-Checksum")
          .putHeader("X-Kept", "yes")
          .putHeader(HttpHeaders.CONTENT_LENGTH, "3")
          .end(request.method() == HttpMethod.HEAD ? "" : "hop");
      case "/download" -> download(request, Long.parseLong(request.getParam("size")));
      default -> echo(request);
    }
  }

  private void echo(HttpServerRequest request) {
    MessageDigest digest = sha256();
    Buffer small = Buffer.buffer();
    long[] length = {0};
    request.handler(data -> {
      if (length[0] == 0 && data.length() > 0) {
        uploadStarted.complete(null);
      }
      length[0] += data.length();
      digest.update(data.getBytes());
      if (small.length() < 1024) {
        small.appendBuffer(data);
      }
    });
    request.endHandler(ignored -> {
      JsonObject headers = new JsonObject();
      request.headers().forEach(header -> {
        String name = header.getKey().toLowerCase(Locale.ROOT);
        JsonArray values = headers.getJsonArray(name, new JsonArray());
        headers.put(name, values.add(header.getValue()));
      });
      JsonObject report = new JsonObject()
          .put("method", request.method().name())
          .put("uri", request.uri())
          .put("headers", headers)
          .put("bodyLength", length[0])
          .put("bodySha256", HexFormat.of().formatHex(digest.digest()))
          .put("body", length[0] <= 1024 ? small.toString() : null);
      request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(report.toBuffer());
    });
  }

  private void download(HttpServerRequest request, long size) {
    HttpServerResponse response = request.response();
    if ("true".equals(request.getParam("chunked"))) {
      response.setChunked(true);
    } else {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(size));
    }
    Random random = new Random(42);
    Context context = Vertx.currentContext();
    long[] remaining = {size};
    writeChunk(response, random, remaining);
    releaseDownload.thenRun(() -> context.runOnContext(ignored -> pump(response, random, remaining)));
  }

  private static void pump(HttpServerResponse response, Random random, long[] remaining) {
    while (remaining[0] > 0 && !response.writeQueueFull()) {
      writeChunk(response, random, remaining);
    }
    if (remaining[0] > 0) {
      response.drainHandler(ignored -> pump(response, random, remaining));
    } else {
      response.end();
    }
  }

  private static void writeChunk(HttpServerResponse response, Random random, long[] remaining) {
    byte[] chunk = new byte[CHUNK];
    random.nextBytes(chunk);
    int length = (int) Math.min(CHUNK, remaining[0]);
    remaining[0] -= length;
    response.write(Buffer.buffer(length == CHUNK ? chunk : Arrays.copyOf(chunk, length)));
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
