package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;

/** sandboxd's REST API (files, health, metadata) on our runtime. */
class SandboxdRestTest extends RuntimeServerTestBase {
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");

  @Override
  RuntimeOptions.Builder options() {
    return super.options().sandboxd(-1, 0).putEnvironment("SANDBOX_NAME", "demo")
        .putEnvironment("SECRET_TOKEN", "hidden").putEnvironment("SANDBOX_API_KEY", "hidden");
  }

  private String rest(String rawPath) {
    return "http://" + server.host() + ":" + server.sandboxdRestPort() + rawPath;
  }

  private HttpResult send(String method, String rawPath, RequestBody body) {
    return call(new Request.Builder().url(rest(rawPath)).method(method, body).build());
  }

  private HttpResult put(String rawPath, byte[] content) {
    return send("PUT", rawPath, RequestBody.create(content, OCTETS));
  }

  private static void assertError(HttpResult result, int status, String code) {
    assertEquals(status, result.status(), result::text);
    assertEquals("application/json", result.contentType());
    assertEquals(code, result.json().path("code").asText(), result::text);
    assertFalse(result.json().path("message").asText().isEmpty(), result::text);
  }

  @Test
  void aFileIsReadAsRawBytes() throws Exception {
    byte[] content = {0, 1, 2, (byte) 0xff, 'x'};
    Files.createDirectories(base.resolve("dir/sub"));
    Files.write(base.resolve("dir/sub/data.bin"), content);
    for (String path : List.of("/v1/files/dir/sub/data.bin", "/v1/files/dir%2Fsub%2Fdata.bin")) {
      HttpResult result = send("GET", path, null);
      assertEquals(200, result.status(), path);
      assertEquals("application/octet-stream", result.contentType());
      assertArrayEquals(content, result.body());
    }
  }

  @Test
  void headTellsExistenceWithoutABody() throws Exception {
    Files.writeString(base.resolve("a.txt"), "hello");
    HttpResult found = send("HEAD", "/v1/files/a.txt", null);
    assertEquals(200, found.status());
    assertEquals(0, found.body().length);
    assertEquals(404, send("HEAD", "/v1/files/missing.txt", null).status());
    assertEquals(200, send("HEAD", "/v1/files/", null).status());
  }

  @Test
  void aDirectoryIsListedAsJson() throws Exception {
    Files.createDirectories(base.resolve("dir/inner"));
    Files.writeString(base.resolve("dir/notes.txt"), "12345");
    Files.setPosixFilePermissions(base.resolve("dir/notes.txt"), PosixFilePermissions.fromString("rw-r-----"));
    Files.createSymbolicLink(base.resolve("dir/outside"), temp);
    Files.createSymbolicLink(base.resolve("dir/dangling"), base.resolve("nothing"));
    HttpResult result = send("GET", "/v1/files/dir", null);
    assertEquals(200, result.status(), result::text);
    assertEquals("application/json", result.contentType());
    JsonNode listing = result.json();
    assertEquals("/dir", listing.path("path").asText());
    List<String> names = new ArrayList<>();
    listing.path("entries").forEach(entry -> names.add(entry.path("name").asText()));
    assertEquals(List.of("inner", "notes.txt"), names, "links leading outside are left out");
    JsonNode directory = listing.path("entries").get(0);
    assertEquals("directory", directory.path("type").asText());
    JsonNode file = listing.path("entries").get(1);
    assertEquals("file", file.path("type").asText());
    assertEquals(5, file.path("size").asLong());
    assertEquals("0640", file.path("mode").asText());
    OffsetDateTime modified = OffsetDateTime.parse(file.path("modified_at").asText());
    assertEquals(Files.getLastModifiedTime(base.resolve("dir/notes.txt")).toInstant().getEpochSecond(),
        modified.toInstant().getEpochSecond());
    assertEquals(200, send("GET", "/v1/files/", null).status());
  }

  @Test
  void missingPathsAreNotFound() {
    assertError(send("GET", "/v1/files/nothing/here", null), 404, "NOT_FOUND");
    assertError(send("DELETE", "/v1/files/nothing", null), 404, "NOT_FOUND");
    assertError(send("GET", "/v1/unknown", null), 404, "NOT_FOUND");
  }

  @Test
  void traversalIsPermissionDenied() throws Exception {
    Files.writeString(temp.resolve("outside.txt"), "secret");
    Files.createSymbolicLink(base.resolve("escape"), temp);
    for (String path : List.of("/v1/files/..%2Foutside.txt", "/v1/files/%2E%2E%2Foutside.txt",
        "/v1/files/escape/outside.txt", "/v1/files/escape")) {
      assertError(send("GET", path, null), 403, "PERMISSION_DENIED");
      assertError(put(path, new byte[] {1}), 403, "PERMISSION_DENIED");
      assertError(send("DELETE", path + "?recursive=true", null), 403, "PERMISSION_DENIED");
    }
    assertEquals("secret", Files.readString(temp.resolve("outside.txt")));
    // Sent as is: an HTTP client would remove the dot segments.
    HttpResult raw = rawHttp.request(HttpMethod.GET, server.sandboxdRestPort(), "127.0.0.1",
            "/v1/files/../../outside.txt")
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> new HttpResult(response.statusCode(),
            response.getHeader("content-type"), body.getBytes())))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertError(raw, 403, "PERMISSION_DENIED");
  }

  @Test
  void putWritesAtomicallyWithItsModeAndParents() throws Exception {
    HttpResult created = put("/v1/files/new/deep/file.txt?mode=0600", "first".getBytes(StandardCharsets.UTF_8));
    assertEquals(204, created.status(), created::text);
    Path file = base.resolve("new/deep/file.txt");
    assertEquals("first", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(204, put("/v1/files/new/deep/file.txt", "second".getBytes(StandardCharsets.UTF_8)).status());
    assertEquals("second", Files.readString(file));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var leftovers = Files.list(file.getParent())) {
      assertEquals(List.of(file), leftovers.toList(), "no temporary file is left behind");
    }
  }

  @Test
  void putTakesAMultipartFilePart() throws Exception {
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("file", "ignored-name.txt", RequestBody.create("from a form", OCTETS)).build();
    HttpResult result = send("PUT", "/v1/files/uploaded.txt", form);
    assertEquals(204, result.status(), result::text);
    assertEquals("from a form", Files.readString(base.resolve("uploaded.txt")));
  }

  @Test
  void putRejectsABadModeAndADirectoryDestination() throws Exception {
    for (String mode : List.of("644", "0844", "01777", "abc", "0644%0A")) {
      assertError(put("/v1/files/x.txt?mode=" + mode, new byte[] {1}), 400, "INVALID_ARGUMENT");
    }
    assertFalse(Files.exists(base.resolve("x.txt")));
    Files.createDirectory(base.resolve("adir"));
    assertError(put("/v1/files/adir", new byte[] {1}), 400, "INVALID_ARGUMENT");
    assertError(put("/v1/files/", new byte[] {1}), 400, "INVALID_ARGUMENT");
    assertTrue(Files.isDirectory(base.resolve("adir")));
  }

  @Test
  void deleteRemovesFilesAndDirectories() throws Exception {
    Files.writeString(base.resolve("gone.txt"), "x");
    assertEquals(204, send("DELETE", "/v1/files/gone.txt", null).status());
    assertFalse(Files.exists(base.resolve("gone.txt")));

    Files.createDirectories(base.resolve("tree/a/b"));
    Files.writeString(base.resolve("tree/a/b/file"), "x");
    Files.writeString(temp.resolve("kept.txt"), "outside");
    Files.createSymbolicLink(base.resolve("tree/a/link"), temp);
    assertError(send("DELETE", "/v1/files/tree", null), 409, "CONFLICT");
    assertTrue(Files.exists(base.resolve("tree/a/b/file")));
    assertEquals(204, send("DELETE", "/v1/files/tree?recursive=true", null).status());
    assertFalse(Files.exists(base.resolve("tree")));
    assertEquals("outside", Files.readString(temp.resolve("kept.txt")), "links are removed, not followed");

    Files.createDirectory(base.resolve("empty"));
    assertEquals(204, send("DELETE", "/v1/files/empty", null).status());
    Files.writeString(base.resolve("x"), "x");
    assertError(send("DELETE", "/v1/files/x?recursive=maybe", null), 400, "INVALID_ARGUMENT");
    // The root is emptied on request, never removed.
    assertError(send("DELETE", "/v1/files/", null), 409, "CONFLICT");
    assertTrue(Files.exists(base.resolve("x")));
    assertEquals(204, send("DELETE", "/v1/files/?recursive=true", null).status());
    assertTrue(Files.isDirectory(base));
    try (var left = Files.list(base)) {
      assertEquals(List.of(), left.toList());
    }
  }

  @Test
  void healthAndMetadata() {
    HttpResult health = send("GET", "/v1/health", null);
    assertEquals(200, health.status());
    assertEquals("ok", health.json().path("status").asText());
    assertTrue(health.json().path("uptime_seconds").isIntegralNumber(), health::text);
    HttpResult metadata = send("GET", "/v1/metadata", null);
    assertEquals(200, metadata.status());
    assertEquals("demo", metadata.json().path("env").path("SANDBOX_NAME").asText());
    assertFalse(metadata.json().path("env").has("SECRET_TOKEN"), metadata::text);
    assertFalse(metadata.json().path("env").has("PATH"), metadata::text);
    assertFalse(metadata.json().path("env").has("SANDBOX_API_KEY"), "secrets are never metadata");
  }
}
