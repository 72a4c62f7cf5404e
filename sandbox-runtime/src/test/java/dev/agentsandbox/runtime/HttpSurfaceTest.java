package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;

class HttpSurfaceTest extends RuntimeServerTestBase {

  @Test
  void healthCheckAnswersLikeTheReferenceRuntime() {
    HttpResult result = get("/");

    assertEquals(200, result.status());
    assertEquals("application/json", result.contentType());
    assertEquals("{\"status\":\"ok\",\"message\":\"Sandbox Runtime is active.\"}", result.text());
  }

  @Test
  void unknownRoutesAreNotFound() {
    for (String path : new String[] {"/nope", "/download", "/execute/x", "/list"}) {
      HttpResult result = get(path);
      assertEquals(404, result.status(), path);
      assertEquals("{\"detail\":\"Not Found\"}", result.text(), path);
    }
  }

  @Test
  void wrongMethodIsNotAllowed() {
    assertEquals(405, get("/execute").status());
    assertEquals(405, get("/upload").status());
    assertEquals("{\"detail\":\"Method Not Allowed\"}", get("/upload").text());
    assertEquals(405, post(server, "/", "{}").status());
    HttpResult delete = call(new Request.Builder().url(url(server, "/download/x"))
        .delete(RequestBody.create(new byte[0])).build());
    assertEquals(405, delete.status());
  }

  @Test
  void serverReportsItsAddressAndCreatesTheBaseDirectory() throws IOException {
    Path fresh = temp.resolve("not/yet/there");

    SandboxRuntimeServer created = start(o -> o.baseDir(fresh));

    assertTrue(Files.isDirectory(fresh));
    assertEquals(fresh.toRealPath(), created.baseDir());
    assertEquals("127.0.0.1", created.host());
    assertTrue(created.port() > 0);
  }

  @Test
  void runtimesOnDifferentLoopbackAddressesShareAPortAndOneVertx() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    Path second = Files.createDirectory(temp.resolve("second"));
    SandboxRuntimeServer a = start(o -> o.host("127.0.0.2").port(port));
    SandboxRuntimeServer b = start(o -> o.host("127.0.0.3").port(port).baseDir(second));

    assertEquals(base + "\n", execute(a, "pwd").get("stdout").asText());
    assertEquals(second + "\n", execute(b, "pwd").get("stdout").asText());
  }

  @Test
  void startingOnAnAddressInUseFailsClearly() throws IOException {
    SandboxRuntimeServer first = start(o -> o.port(0));
    int taken = first.port();

    IllegalStateException sameVertx = assertThrows(IllegalStateException.class,
        () -> start(o -> o.port(taken)));
    assertTrue(sameVertx.getMessage().contains("in use"), sameVertx.getMessage());

    try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      IllegalStateException foreign = assertThrows(IllegalStateException.class,
          () -> start(o -> o.port(other.getLocalPort())));
      assertTrue(foreign.getMessage().contains("in use"), foreign.getMessage());
    }
  }

  @Test
  void closeKillsCommandsEvenAfterVertxWasClosedFirst() throws Exception {
    Vertx own = Vertx.vertx();
    SandboxRuntimeServer orphaned = SandboxRuntimeServer.start(own, options().build());
    try {
      CompletableFuture.runAsync(() -> {
        try {
          post(orphaned, "/execute", commandJson("sh -c 'echo $$ > pid.tmp; mv pid.tmp pid; "
              + "exec sleep 30'"));
        } catch (RuntimeException connectionClosed) {
          // expected: Vert.x goes away under the request
        }
      });
      Path pidFile = base.resolve("pid");
      await("the command started", () -> Files.exists(pidFile));
      long pid = readPids(pidFile).get(0);
      own.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      orphaned.close();

      await("the command is gone", () -> Processes.gone(pid));
    } finally {
      orphaned.close();
      own.close();
    }
  }

  @Test
  void closeIsIdempotentAndStopsServing() {
    SandboxRuntimeServer extra = start(o -> { });
    String health = url(extra, "/");

    extra.close();
    extra.close();

    assertThrows(java.io.UncheckedIOException.class,
        () -> call(new Request.Builder().url(health).build()));
  }
}
