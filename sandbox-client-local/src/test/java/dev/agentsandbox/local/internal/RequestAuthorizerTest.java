package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestAuthorizerTest {
  private final RequestAuthorizer authorizer = new RequestAuthorizer("t0ken");

  @AfterEach
  void release() {
    authorizer.close();
  }

  @Test
  void everyPipelinedRequestGetsTheTokenInsteadOfTheClientsAndBodiesPassUnchanged() {
    String first = "POST /execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mine\r\n"
        + "Content-Length: 5\r\n\r\nhello";
    String second = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3\r\nabc\r\n0\r\n\r\n";
    String all = first + second;
    // Cut inside the first request's head and inside the second one's body.
    String out = rewrite(all.substring(0, 20)) + rewrite(all.substring(20, first.length() + 60))
        + rewrite(all.substring(first.length() + 60));

    assertEquals("POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        + "Authorization: Bearer t0ken\r\n\r\nhello"
        + "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        + "Authorization: Bearer t0ken\r\n\r\n3\r\nabc\r\n0\r\n\r\n", out);
  }

  @Test
  void aStreamThatIsNotHttpIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> rewrite("\u0016\u0003\u0001 binary \r\n\r\n garbage \u0000\r\n\r\n"));
  }

  private String rewrite(String text) {
    byte[] bytes = ("x" + text).getBytes(StandardCharsets.ISO_8859_1);
    return authorizer.rewrite(bytes, 1, bytes.length - 1).toString(StandardCharsets.ISO_8859_1);
  }
}
