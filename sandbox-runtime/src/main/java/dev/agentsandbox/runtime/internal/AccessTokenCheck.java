package dev.agentsandbox.runtime.internal;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a request through only if it carries {@code Authorization: Bearer <token>}; answers every
 * other one with {@code 401} and closes the connection, without reading its body. The comparison
 * takes the same time wherever the presented value differs.
 */
public final class AccessTokenCheck implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(AccessTokenCheck.class);
  private static final String REFUSED = new JsonObject().put("detail", "Missing or wrong access "
      + "token: this sandbox runtime serves only the components of its cluster (its router, "
      + "port-forwards and probes); send requests through the router").encode();

  private final byte[] expected;
  private final Handler<HttpServerRequest> next;

  /** Guards {@code next} with {@code token}. */
  public AccessTokenCheck(String token, Handler<HttpServerRequest> next) {
    this.expected = ("Bearer " + token).getBytes(StandardCharsets.US_ASCII);
    this.next = next;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (authorized(request.headers().getAll(HttpHeaders.AUTHORIZATION))) {
      next.handle(request);
      return;
    }
    LOG.debug("Refused {} {} from {}: missing or wrong access token", request.method(),
        request.path(), request.remoteAddress());
    if (request.version() == HttpVersion.HTTP_2) {
      // HTTP/2 (gRPC) has no Connection header: the refusal ends this stream only, and a gRPC
      // client reads the 401 as UNAUTHENTICATED.
      request.response()
          .setStatusCode(401)
          .putHeader("WWW-Authenticate", "Bearer")
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(REFUSED);
      return;
    }
    request.response()
        .setStatusCode(401)
        .putHeader("WWW-Authenticate", "Bearer")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(REFUSED)
        // The body, possibly a large upload, is never read, so the connection cannot be reused.
        .onComplete(sent -> request.connection().close());
  }

  private boolean authorized(List<String> values) {
    // Exactly one header: with several, which one a proxy in between honoured is unclear.
    return values.size() == 1
        && MessageDigest.isEqual(expected, values.get(0).getBytes(StandardCharsets.US_ASCII));
  }
}
