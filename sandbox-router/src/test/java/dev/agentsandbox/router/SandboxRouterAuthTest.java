package dev.agentsandbox.router;

import static dev.agentsandbox.router.RouterFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.router.internal.BearerTokenCheck;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router's Bearer token (R15). */
class SandboxRouterAuthTest {
  private static final String TOKEN = "s3cr3t-token_with.chars~+/=";

  private RouterFixture fixture;
  private FakeRuntime runtime;
  private HttpClient http;
  private SandboxRouter router;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new RouterFixture();
    runtime = FakeRuntime.start(fixture.vertx);
    http = fixture.vertx.createHttpClient();
    fixture.createSandbox("sb");
  }

  @AfterEach
  void tearDown() throws Exception {
    await(http.close());
    runtime.close();
    fixture.close();
  }

  @Test
  void R15_routerRefusesToStartWithoutATokenUnlessAllowedExplicitly() {
    RouterStartException refused = assertThrows(RouterStartException.class,
        () -> fixture.startRouter(RouterOptions.builder()));
    assertTrue(refused.getMessage().contains("ROUTER_AUTH_TOKEN"), refused.getMessage());
    assertTrue(refused.getMessage().contains("ALLOW_UNAUTHENTICATED_ROUTER=true"), refused.getMessage());

    router = fixture.startRouter(RouterOptions.builder().allowUnauthenticated(true));
    assertEquals(200, send("/", null).status());
  }

  @Test
  void R15_requestsWithoutTheRightTokenGet401WithABearerChallenge() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN));

    Reply missing = send("/", null);
    assertEquals(401, missing.status());
    assertEquals("Bearer", missing.headers().get("WWW-Authenticate"));
    assertEquals("application/json", missing.headers().get("Content-Type"));
    assertEquals(new JsonObject().put("detail", "Missing or invalid Authorization header."), missing.json());

    for (String malformed : new String[] {"Basic " + TOKEN, TOKEN, "Bearer", "Bearer " + TOKEN + " extra"}) {
      Reply reply = send("/", malformed);
      assertEquals(401, reply.status(), malformed);
      assertEquals("Missing or invalid Authorization header.", reply.json().getString("detail"));
    }
    for (String wrong : new String[] {"wrong", TOKEN.substring(1), TOKEN + "x", TOKEN.toUpperCase()}) {
      Reply reply = send("/", "Bearer " + wrong);
      assertEquals(401, reply.status(), wrong);
      assertEquals(new JsonObject().put("detail", "Invalid token."), reply.json());
      assertEquals("Bearer error=\"invalid_token\"", reply.headers().get("WWW-Authenticate"));
    }
    assertEquals(0, runtime.secretHits.get());
  }

  @Test
  void R15_theRightTokenIsForwardedToNoSandbox() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN));
    for (String authorization : new String[] {"Bearer " + TOKEN, "bearer  " + TOKEN}) {
      Reply reply = send("/echo", authorization);
      assertEquals(200, reply.status(), authorization);
      JsonObject headers = reply.json().getJsonObject("headers");
      assertFalse(headers.containsKey("authorization"), headers.encode());
      assertFalse(headers.encode().contains(TOKEN), headers.encode());
    }
  }

  @Test
  void R15_healthzNeedsNoToken() throws Exception {
    router = fixture.startRouter(RouterOptions.builder().authToken(TOKEN));
    Reply reply = fixture.onClientContext(() -> http.request(new RequestOptions().setHost("127.0.0.1")
            .setPort(router.port()).setURI("/healthz"))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> new Reply(response.statusCode(), response.headers(), body))));
    assertEquals(200, reply.status());
    assertEquals(new JsonObject().put("status", "ok"), reply.json());
  }

  @Test
  void R15_tokenIsComparedAsFixedLengthDigestsAndNeverShown() {
    BearerTokenCheck check = new BearerTokenCheck(TOKEN);
    assertNull(check.reject(MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + TOKEN)));
    assertEquals(BearerTokenCheck.INVALID,
        check.reject(MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + TOKEN + TOKEN)));
    assertEquals(BearerTokenCheck.MISSING, check.reject(MultiMap.caseInsensitiveMultiMap()
        .add("Authorization", "Bearer " + TOKEN).add("Authorization", "Bearer " + TOKEN)));
    assertEquals(BearerTokenCheck.MISSING,
        check.reject(MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearertoken")));

    RouterOptions options = RouterOptions.builder().authToken(TOKEN).build();
    assertFalse(options.toString().contains(TOKEN), options.toString());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> RouterOptions.builder().authToken("with space").build());
    assertFalse(bad.getMessage().contains("with space"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RouterOptions.builder().authToken("").build());
  }

  @Test
  void R15_mainTakesTheTokenFromTheEnvironmentOrAFileButNeverFromAFlag(@TempDir Path dir) throws Exception {
    assertNull(SandboxRouterMain.parse(new String[0], Map.of()).authToken());
    assertFalse(SandboxRouterMain.parse(new String[0], Map.of()).allowUnauthenticated());
    assertEquals(TOKEN, SandboxRouterMain.parse(new String[0], Map.of("ROUTER_AUTH_TOKEN", "  " + TOKEN + "\n"))
        .authToken());
    assertNull(SandboxRouterMain.parse(new String[0], Map.of("ROUTER_AUTH_TOKEN", "   ")).authToken());
    Path file = Files.writeString(dir.resolve("token"), TOKEN + "\n", StandardCharsets.UTF_8);
    assertEquals(TOKEN, SandboxRouterMain.parse(new String[] {"--auth-token-file", file.toString()}, Map.of())
        .authToken());
    assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[] {"--auth-token", TOKEN}, Map.of()));

    assertTrue(SandboxRouterMain.parse(new String[0], Map.of("ALLOW_UNAUTHENTICATED_ROUTER", "true"))
        .allowUnauthenticated());
    assertFalse(SandboxRouterMain.parse(new String[0], Map.of("ALLOW_UNAUTHENTICATED_ROUTER", "false"))
        .allowUnauthenticated());
    RouterOptions flagged = SandboxRouterMain.parse(new String[] {"--allow-unauthenticated", "--port", "9000"},
        Map.of());
    assertTrue(flagged.allowUnauthenticated());
    assertEquals(9000, flagged.port());
    assertThrows(IllegalArgumentException.class,
        () -> SandboxRouterMain.parse(new String[0], Map.of("ALLOW_UNAUTHENTICATED_ROUTER", "maybe")));
  }

  private Reply send(String uri, String authorization) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(router.port()).setURI(uri)
        .putHeader("X-Sandbox-ID", "sb").putHeader("X-Sandbox-Port", Integer.toString(runtime.port()));
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    try {
      return fixture.onClientContext(() -> http.request(options)
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> new Reply(response.statusCode(), response.headers(), body))));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }
  }
}
