package dev.agentsandbox.mcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The end of a host's input waits for the answers to the requests read before it. */
class StdioRequestsTest {
  private static final long WAIT_SECONDS = 30;

  /** {@code text}, whose end completes {@code ended}. */
  private static InputStream host(String text, CompletableFuture<Void> ended) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) {
      @Override
      public synchronized int read(byte[] buffer, int offset, int length) {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
          ended.complete(null);
        }
        return n;
      }
    };
  }

  /** Reads {@code in} to its end, in small pieces as a reader does; returns the bytes read. */
  private static CompletableFuture<Integer> readToEnd(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      byte[] buffer = new byte[16];
      int total = 0;
      try {
        for (int n; (n = in.read(buffer, 0, buffer.length)) >= 0; ) {
          total += n;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return total;
    });
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theEndComesOnceEveryRequestReadIsAnswered() throws Exception {
    String requests = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\",\"arguments\":{"
        + "\"id\":9,\"method\":\"x\"}}}\n"
        + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
        + "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"b\"},\"id\":\"1\"}\n";
    CompletableFuture<Void> ended = new CompletableFuture<>();
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    StdioRequests stdio = new StdioRequests(host(requests, ended), new BufferedOutputStream(sent), Duration.ofMinutes(1));

    CompletableFuture<Integer> reader = readToEnd(stdio.input());
    ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(2, stdio.unanswered());

    // A notification and a request of the server's own are no answers; the number 1 is not "1".
    send(stdio.output(), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}");
    send(stdio.output(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    send(stdio.output(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
    assertEquals(1, stdio.unanswered());
    assertFalse(reader.isDone());
    // The answer has left when it counts.
    assertTrue(sent.toString(StandardCharsets.UTF_8).endsWith("\"id\":1,\"result\":{}}\n"));

    send(stdio.output(), "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"error\":{\"code\":-32603,\"message\":\"m\"}}");
    assertEquals(requests.length(), reader.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, stdio.unanswered());
  }

  @Test
  void aCancelledRequestIsNotWaitedFor() throws Exception {
    String requests = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{}}\n"
        + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"r\"}}\n";
    StdioRequests stdio = new StdioRequests(host(requests, new CompletableFuture<>()), new ByteArrayOutputStream(),
        Duration.ofMinutes(1));
    assertEquals(requests.length(), readToEnd(stdio.input()).get(WAIT_SECONDS, TimeUnit.SECONDS));
  }

  @Test
  void anUnansweredRequestHoldsTheEndBackOnlyUntilTheTimeout() throws Exception {
    String requests = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}\nnot json\n";
    StdioRequests stdio = new StdioRequests(host(requests, new CompletableFuture<>()), new ByteArrayOutputStream(),
        Duration.ofMillis(100));
    long started = System.nanoTime();
    assertEquals(requests.length(), readToEnd(stdio.input()).get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(100));
    assertEquals(1, stdio.unanswered());
  }

  @Test
  void abandoningEndsTheWait() throws Exception {
    String requests = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}\n";
    CompletableFuture<Void> ended = new CompletableFuture<>();
    StdioRequests stdio = new StdioRequests(host(requests, ended), new ByteArrayOutputStream(), Duration.ofMinutes(10));
    CompletableFuture<Integer> reader = readToEnd(stdio.input());
    ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
    stdio.abandon();
    assertEquals(requests.length(), reader.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals(1, stdio.unanswered());
  }
}
