package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A runtime started with an access token serves only requests that present it. */
class RuntimeAccessTokenTest extends RuntimeServerTestBase {
  private static final String TOKEN = "k7Qd2-token_for-this-test";

  SandboxRuntimeServer guarded;

  @BeforeEach
  void startGuarded() {
    guarded = start(o -> o.accessToken(TOKEN));
  }

  @Test
  void R8_requestsWithoutOrWithAWrongTokenAreRefusedAndRunNothing() throws IOException {
    for (List<String> authorization : List.of(List.<String>of(), List.of("Bearer wrong"),
        List.of("Bearer " + TOKEN + "x"), List.of("bearer " + TOKEN), List.of(TOKEN),
        List.of("Basic " + TOKEN), List.of("Bearer " + TOKEN, "Bearer " + TOKEN))) {
      try (Response health = send(new Request.Builder().url(url(guarded, "/")), authorization)) {
        assertEquals(401, health.code(), "GET / with " + authorization.size() + " header(s)");
        assertEquals("Bearer", health.header("WWW-Authenticate"));
        assertTrue(health.body().string().contains("access token"));
      }
      try (Response execute = send(new Request.Builder().url(url(guarded, "/execute"))
          .post(RequestBody.create(commandJson("touch refused.txt"), JSON_TYPE)), authorization)) {
        assertEquals(401, execute.code());
      }
      try (Response download = send(new Request.Builder().url(url(guarded, "/download/x")),
          authorization)) {
        assertEquals(401, download.code());
      }
    }
    assertFalse(Files.exists(base.resolve("refused.txt")), "a refused command ran");
  }

  @Test
  void R8_requestsWithTheTokenAreServed() throws IOException {
    try (Response execute = send(new Request.Builder().url(url(guarded, "/execute"))
        .post(RequestBody.create(commandJson("touch allowed.txt"), JSON_TYPE)),
        List.of("Bearer " + TOKEN))) {
      assertEquals(200, execute.code());
    }
    assertTrue(Files.exists(base.resolve("allowed.txt")));
  }

  @Test
  void withoutATokenTheRuntimeServesEveryClientAsTheReferenceRuntimeDoes() {
    assertEquals(200, get("/").status());
  }

  @Test
  void theTokenIsNeverShownInTheOptions() {
    assertFalse(guarded.options().toString().contains(TOKEN), guarded.options().toString());
  }

  private static Response send(Request.Builder request, List<String> authorization)
      throws IOException {
    for (String value : authorization) {
      request.addHeader("Authorization", value);
    }
    return http.newCall(request.build()).execute();
  }
}
