package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import dev.agentsandbox.model.internal.RouterProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** The runtime's wire format, checked on plain request and response objects: nothing is sent. */
class RuntimeProtocolTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpUrl BASE = HttpUrl.get("http://127.0.0.1:8080/");
  private static final SandboxRef REF = new SandboxRef("claim-1", "agents", "sandbox-1");

  private final RuntimeProtocol viaRouter = new RuntimeProtocol(REF, 8888, 64, true, () -> "t0k");
  private final RuntimeProtocol direct = new RuntimeProtocol(REF, 8888, 64, false, null);

  @Test
  void executeSendsCommandAndTimeoutInWholeSecondsToRuntimeAndRouter() throws IOException {
    Request request = viaRouter.execute(BASE, "echo 'a b'", Duration.ofMillis(1500)).build();

    assertEquals("POST", request.method());
    assertEquals("/execute", request.url().encodedPath());
    assertEquals("2", request.header(RouterProtocol.HEADER_SANDBOX_TIMEOUT));
    assertEquals("application/json", request.body().contentType().toString());
    JsonNode body = JSON.readTree(bodyOf(request));
    assertEquals("echo 'a b'", body.get("command").asText());
    assertEquals(2, body.get("timeout").asInt());
  }

  @Test
  void requestsThroughARouterCarryTheSandboxHeadersAndToken() {
    Request request = viaRouter.exists(BASE, "a.txt").build();

    assertEquals("sandbox-1", request.header(RouterProtocol.HEADER_SANDBOX_ID));
    assertEquals("agents", request.header(RouterProtocol.HEADER_SANDBOX_NAMESPACE));
    assertEquals("8888", request.header(RouterProtocol.HEADER_SANDBOX_PORT));
    assertEquals("Bearer t0k", request.header("Authorization"));
  }

  @Test
  void requestsStraightToThePodCarryNoRouterHeaders() {
    Request request = direct.execute(BASE, "true", Duration.ofSeconds(5)).build();

    assertNull(request.header(RouterProtocol.HEADER_SANDBOX_ID));
    assertNull(request.header(RouterProtocol.HEADER_SANDBOX_TIMEOUT));
    assertNull(request.header("Authorization"));
  }

  @Test
  void filePathsAreSentAsOneUrlEncodedSegment() {
    assertEquals("/download/dir%2Fa%20b.txt",
        direct.download(BASE, "dir/a b.txt").build().url().encodedPath());
    assertEquals("/list/dir%2Fsub", direct.list(BASE, "dir/sub").build().url().encodedPath());
    assertEquals("/exists/x%2Fy", direct.exists(BASE, "x/y").build().url().encodedPath());
    assertEquals("GET", direct.download(BASE, "f").build().method());
  }

  @Test
  void uploadIsAMultipartFilePartNamedByThePath() throws IOException {
    Request request = direct.upload(BASE, "dir/f.bin",
        okhttp3.RequestBody.create(new byte[] {1, 2, 3}, RuntimeProtocol.OCTET_STREAM)).build();

    assertEquals("/upload", request.url().encodedPath());
    MultipartBody body = assertInstanceOf(MultipartBody.class, request.body());
    assertEquals(MultipartBody.FORM.type(), body.type().type());
    assertEquals(1, body.size());
    assertEquals("form-data; name=\"file\"; filename=\"dir/f.bin\"",
        body.part(0).headers().get("Content-Disposition"));
    Buffer content = new Buffer();
    body.part(0).body().writeTo(content);
    assertArrayEquals(new byte[] {1, 2, 3}, content.readByteArray());
  }

  @Test
  void healthzGoesToTheRouterWithoutSandboxHeaders() {
    Request request = viaRouter.healthz(BASE).build();

    assertEquals("/healthz", request.url().encodedPath());
    assertNull(request.header(RouterProtocol.HEADER_SANDBOX_ID));
    assertEquals("Bearer t0k", request.header("Authorization"));
  }

  @Test
  void executionAnswerIsReadIntoAResult() throws IOException {
    ExecutionResult result = direct.readExecution(
        response(200, "{\"stdout\":\"hi\\n\",\"stderr\":\"\",\"exit_code\":3}"));

    assertEquals(new ExecutionResult("hi\n", "", 3, false), result);
  }

  @Test
  void executionAnswerWithoutIntegerExitCodeIsRejected() {
    SandboxRequestException e = assertThrows(SandboxRequestException.class,
        () -> direct.readExecution(response(200, "{\"stdout\":\"\",\"exit_code\":\"0\"}")));
    assertTrue(e.getMessage().contains("no integer exit_code"), e.getMessage());
    assertThrows(SandboxRequestException.class, () -> direct.readExecution(response(200, "<html>")));
  }

  @Test
  void outputLongerThanTheLimitIsTooLargeThoughEscapesDoNotCount() throws IOException {
    String allowed = "\\u0041".repeat(64);
    assertEquals(64, direct.readExecution(
        response(200, "{\"stdout\":\"" + allowed + "\",\"exit_code\":0}")).stdout().length());

    assertThrows(SandboxResponseTooLargeException.class, () -> direct.readExecution(
        response(200, "{\"stdout\":\"" + "x".repeat(65) + "\",\"exit_code\":0}")));
  }

  @Test
  void fileAnswersAreBoundedByTheLimit() throws IOException {
    assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), direct.readFile(response(200, "abc"), "f"));
    SandboxResponseTooLargeException e = assertThrows(SandboxResponseTooLargeException.class,
        () -> direct.readFile(response(200, "y".repeat(65)), "f"));
    assertEquals(64, e.limitBytes());
  }

  @Test
  void copiedDownloadsAreNotBounded() throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();

    assertEquals(1000, direct.copyFile(response(200, "z".repeat(1000)), "f", sink));
    assertEquals(1000, sink.size());
  }

  @Test
  void listingAndExistsAnswersAreRead() throws IOException {
    List<FileEntry> entries = direct.readListing(response(200,
        "[{\"name\":\"a\",\"size\":1,\"type\":\"file\",\"mod_time\":2.5}]"), ".");
    assertEquals(List.of(new FileEntry("a", 1, FileEntry.Type.FILE, Instant.ofEpochMilli(2500))),
        entries);

    assertTrue(direct.readExists(response(200, "{\"path\":\"a\",\"exists\":true}")));
    assertFalse(direct.readExists(response(200, "{\"exists\":false}")));
    assertThrows(SandboxRequestException.class,
        () -> direct.readExists(response(200, "{\"exists\":\"yes\"}")));
    assertThrows(SandboxRequestException.class,
        () -> direct.readListing(response(200, "[{\"name\":\"a\"}]"), "."));
  }

  @Test
  void errorAnswersBecomeExceptionsThatNameTheSandbox() {
    SandboxException notFound = direct.error(response(404, "{\"message\":\"File not found\"}"),
        RuntimeOperation.DOWNLOAD, "f.txt");
    assertEquals("f.txt", assertInstanceOf(SandboxFileNotFoundException.class, notFound).path());

    SandboxRequestException denied = assertInstanceOf(SandboxRequestException.class,
        direct.error(response(403, "{\"message\":\"Access denied\"}"), RuntimeOperation.UPLOAD, "x"));
    assertEquals(403, denied.statusCode());
    assertTrue(denied.getMessage().contains("Access denied (HTTP 403)"), denied.getMessage());

    SandboxRequestException redirect = assertInstanceOf(SandboxRequestException.class,
        direct.error(response(302, ""), RuntimeOperation.EXECUTE, null));
    assertTrue(redirect.getMessage().contains("redirects are never followed"));

    SandboxRequestException other = assertInstanceOf(SandboxRequestException.class,
        direct.error(response(500, "boom"), RuntimeOperation.EXECUTE, null));
    assertEquals("boom", other.bodyExcerpt());
    assertEquals("claim-1", other.claimName().orElseThrow());
    assertTrue(other.getMessage().contains("sandbox 'sandbox-1'"), other.getMessage());
  }

  @Test
  void onlyTheRoutersCouldNotConnectAnswerCountsAsNotForwarded() throws IOException {
    String couldNotConnect = "{\"detail\":\"" + RouterProtocol.COULD_NOT_CONNECT + "sandbox-1\"}";

    assertTrue(viaRouter.notForwarded(response(502, couldNotConnect)));
    assertFalse(viaRouter.notForwarded(response(502, "{\"detail\":\"upstream reset\"}")));
    assertFalse(viaRouter.notForwarded(response(503, couldNotConnect)));
    assertFalse(direct.notForwarded(response(502, couldNotConnect)), "no router, no such answer");
  }

  @Test
  void timeoutsAreRoundedUpToWholeSecondsOfAtLeastOne() {
    assertEquals(1, RuntimeProtocol.wholeSeconds(Duration.ofMillis(1)));
    assertEquals(1, RuntimeProtocol.wholeSeconds(Duration.ZERO));
    assertEquals(3, RuntimeProtocol.wholeSeconds(Duration.ofSeconds(3)));
    assertEquals(4, RuntimeProtocol.wholeSeconds(Duration.ofMillis(3001)));
  }

  private static Response response(int code, String body) {
    return new Response.Builder()
        .request(new Request.Builder().url(BASE).build())
        .protocol(Protocol.HTTP_1_1)
        .code(code)
        .message("status")
        .body(ResponseBody.create(body, MediaType.get("application/json")))
        .build();
  }

  private static String bodyOf(Request request) throws IOException {
    Buffer buffer = new Buffer();
    request.body().writeTo(buffer);
    return buffer.readUtf8();
  }
}
