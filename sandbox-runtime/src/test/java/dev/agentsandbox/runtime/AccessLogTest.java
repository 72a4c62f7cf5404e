package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

/** The runtime's access log: one line per answered request, with no query, header or body. */
class AccessLogTest extends RuntimeServerTestBase {

  @Test
  void eachAnsweredRequestIsOneLineWithMethodPathAndStatus() throws InterruptedException {
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    SandboxRuntimeServer logged = start(o -> o.accessLog(lines::add));

    assertEquals(200, post(logged, "/execute", commandJson("echo secret-argument")).status());
    String execute = lines.poll(10, TimeUnit.SECONDS);
    assertTrue(execute.matches("127\\.0\\.0\\.1:\\d+ - \"POST /execute HTTP/1\\.1\" 200"), execute);

    assertEquals(404, call(new Request.Builder().url(url(logged, "/download/missing?x=1")).build()).status());
    String download = lines.poll(10, TimeUnit.SECONDS);
    assertTrue(download.endsWith("\"GET /download/missing HTTP/1.1\" 404"), download);
  }

  @Test
  void refusedRequestsAreLoggedTooWithoutTheirToken() throws InterruptedException {
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    SandboxRuntimeServer guarded = start(o -> o.accessToken("t0ken").accessLog(lines::add));
    assertEquals(401, post(guarded, "/execute", commandJson("true")).status());
    String line = lines.poll(10, TimeUnit.SECONDS);
    assertTrue(line.endsWith("\"POST /execute HTTP/1.1\" 401"), line);
    assertFalse(line.contains("t0ken"), line);
  }
}
