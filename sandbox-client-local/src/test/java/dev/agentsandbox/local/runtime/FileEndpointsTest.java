package dev.agentsandbox.local.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class FileEndpointsTest extends RuntimeServerTestBase {

  static final MediaType OCTETS = MediaType.get("application/octet-stream");

  HttpResult upload(String filename, RequestBody content) {
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("file", filename, content).build();
    return call(new Request.Builder().url(url(server, "/upload")).post(form).build());
  }

  static String encode(String path) {
    return URLEncoder.encode(path, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Test
  void uploadWritesTheFileUnderItsRelativeNameCreatingDirectories() throws IOException {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }

    HttpResult result = upload("dir/sub/all-bytes.bin", RequestBody.create(bytes, OCTETS));

    assertEquals(200, result.status());
    assertEquals("{\"message\":\"File 'dir/sub/all-bytes.bin' uploaded successfully.\"}",
        result.text());
    assertArrayEquals(bytes, Files.readAllBytes(base.resolve("dir/sub/all-bytes.bin")));
  }

  @Test
  void binaryFileSurvivesAnUploadAndDownloadRoundTrip() {
    byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3, 0x28, '\r', '\n', (byte) 0x80};

    assertEquals(200, upload("data/blob.bin", RequestBody.create(bytes, OCTETS)).status());
    HttpResult download = get("/download/" + encode("data/blob.bin"));

    assertEquals(200, download.status());
    assertEquals("application/octet-stream", download.contentType());
    assertArrayEquals(bytes, download.body());
  }

  @Test
  void largeFilesAreStreamedBothWays() throws Exception {
    Path source = temp.resolve("large.bin");
    long size = 12L * 1024 * 1024 + 7;
    Random random = new Random(42);
    byte[] chunk = new byte[64 * 1024];
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    try (OutputStream out = Files.newOutputStream(source)) {
      for (long written = 0; written < size; written += chunk.length) {
        random.nextBytes(chunk);
        int n = (int) Math.min(chunk.length, size - written);
        out.write(chunk, 0, n);
        expected.update(chunk, 0, n);
      }
    }

    HttpResult result = upload("large.bin", RequestBody.create(source.toFile(), OCTETS));
    assertEquals(200, result.status(), result.text());
    assertEquals(size, Files.size(base.resolve("large.bin")));

    MessageDigest actual = MessageDigest.getInstance("SHA-256");
    long received = 0;
    Request request = new Request.Builder().url(url(server, "/download/large.bin")).build();
    try (Response response = http.newCall(request).execute();
        InputStream in = response.body().byteStream()) {
      assertEquals(200, response.code());
      int n;
      while ((n = in.read(chunk)) != -1) {
        actual.update(chunk, 0, n);
        received += n;
      }
    }
    assertEquals(size, received);
    assertArrayEquals(expected.digest(), actual.digest());
  }

  @Test
  void uploadReplacesAnExistingLongerFile() throws IOException {
    Files.writeString(base.resolve("notes.txt"), "a much longer original content");

    upload("notes.txt", RequestBody.create("short", OCTETS));

    assertEquals("short", Files.readString(base.resolve("notes.txt")));
  }

  @Test
  void uploadOutsideTheBaseIsDenied() throws IOException {
    HttpResult result = upload("../escaped.txt", RequestBody.create("x", OCTETS));

    assertEquals(403, result.status());
    assertEquals("{\"message\":\"Access denied\"}", result.text());
    assertFalse(Files.exists(temp.resolve("escaped.txt")));
  }

  @Test
  void uploadWithAnAbsoluteNameStaysInsideTheBase() throws IOException {
    assertEquals(200, upload("/abs/file.txt", RequestBody.create("x", OCTETS)).status());

    assertEquals("x", Files.readString(base.resolve("abs/file.txt")));
  }

  @Test
  void uploadThroughASymlinkPointingOutsideIsDenied() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.createSymbolicLink(base.resolve("link"), outside);

    assertEquals(403, upload("link/x.txt", RequestBody.create("x", OCTETS)).status());
    assertFalse(Files.exists(outside.resolve("x.txt")));
  }

  @Test
  void uploadWithoutAFilePartIsABadRequest() {
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("other", "value").build();

    HttpResult result = call(new Request.Builder().url(url(server, "/upload")).post(form).build());

    assertEquals(400, result.status());
    assertTrue(result.json().get("message").isTextual());
  }

  @Test
  void uploadFailureIsAServerError() throws IOException {
    Files.createDirectory(base.resolve("taken"));

    HttpResult result = upload("taken", RequestBody.create("x", OCTETS));

    assertEquals(500, result.status());
    assertTrue(result.json().get("message").asText().startsWith("File upload failed: "));
  }

  @Test
  void downloadOfMissingFileOrDirectoryIsNotFound() throws IOException {
    Files.createDirectory(base.resolve("dir"));

    for (String path : new String[] {"/download/missing.txt", "/download/dir", "/download/"}) {
      HttpResult result = get(path);
      assertEquals(404, result.status(), path);
      assertEquals("{\"message\":\"File not found\"}", result.text(), path);
    }
  }

  @Test
  void downloadPathIsDecodedFromTheWholeEncodedSegment() throws IOException {
    Files.createDirectories(base.resolve("a b/c+d"));
    Files.writeString(base.resolve("a b/c+d/%41.txt"), "content");

    HttpResult result = get("/download/" + encode("a b/c+d/%41.txt"));

    assertEquals(200, result.status());
    assertEquals("content", result.text());
  }

  @Test
  void traversalOutOfTheBaseIsDenied() throws Exception {
    Files.writeString(temp.resolve("secret.txt"), "secret");

    for (String path : new String[] {"/download/../secret.txt", "/download/%2E%2E%2Fsecret.txt",
        "/download/a%2F..%2F..%2Fsecret.txt", "/list/..", "/list/%2E%2E", "/exists/..%2F..",
        "/exists/%2E%2E%2Fsecret.txt"}) {
      HttpResult result = rawGet(path);
      assertEquals(403, result.status(), path);
      assertEquals("{\"message\":\"Access denied\"}", result.text(), path);
    }
  }

  @Test
  void absolutePathsAreConfinedToTheBase() throws IOException {
    Files.createDirectories(base.resolve("etc"));
    Files.writeString(base.resolve("etc/passwd"), "inside the sandbox");

    HttpResult result = get("/download/" + encode("/etc/passwd"));

    assertEquals(200, result.status());
    assertEquals("inside the sandbox", result.text());
  }

  @Test
  void symlinkPointingOutsideIsDenied() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(base.resolve("out"), outside);
    Files.createSymbolicLink(base.resolve("secret-link"), outside.resolve("secret.txt"));

    assertEquals(403, get("/download/" + encode("out/secret.txt")).status());
    assertEquals(403, get("/download/secret-link").status());
    assertEquals(403, get("/list/out").status());
    assertEquals(403, get("/exists/secret-link").status());
  }

  @Test
  void symlinkInsideTheBaseIsFollowed() throws IOException {
    Files.writeString(base.resolve("real.txt"), "real");
    Files.createSymbolicLink(base.resolve("alias.txt"), Path.of("real.txt"));

    assertEquals("real", get("/download/alias.txt").text());
  }

  @Test
  void controlCharactersInPathsAreDenied() {
    assertEquals(403, get("/download/a%00b").status());
    assertEquals(403, get("/exists/%0Aetc").status());
    assertEquals(403, get("/list/x%00").status());
  }

  @Test
  void listReturnsEntriesSortedByNameWithSizeTypeAndModificationTime() throws IOException {
    Files.writeString(base.resolve("b.txt"), "12345");
    Files.createDirectory(base.resolve("a-dir"));
    Files.writeString(base.resolve("a-dir/inner.txt"), "x");
    Files.write(base.resolve("c.bin"), new byte[0]);

    HttpResult result = get("/list/");

    assertEquals(200, result.status());
    JsonNode entries = result.json();
    assertEquals(3, entries.size());
    assertEquals("a-dir", entries.get(0).get("name").asText());
    assertEquals("directory", entries.get(0).get("type").asText());
    assertEquals("b.txt", entries.get(1).get("name").asText());
    assertEquals("file", entries.get(1).get("type").asText());
    assertEquals(5, entries.get(1).get("size").asLong());
    assertTrue(entries.get(1).get("size").isIntegralNumber());
    assertEquals("c.bin", entries.get(2).get("name").asText());
    assertEquals(0, entries.get(2).get("size").asLong());
    JsonNode modTime = entries.get(1).get("mod_time");
    assertTrue(modTime.isFloatingPointNumber());
    double expected = Files.getLastModifiedTime(base.resolve("b.txt")).to(TimeUnit.MICROSECONDS)
        / 1e6;
    assertEquals(expected, modTime.asDouble(), 1e-6);

    JsonNode sub = get("/list/a-dir").json();
    assertEquals("[{\"name\":\"inner.txt\",\"size\":1,\"type\":\"file\",\"mod_time\":"
        + sub.get(0).get("mod_time") + "}]", sub.toString());
  }

  @Test
  void listOfMissingPathOrFileIsNotFound() throws IOException {
    Files.writeString(base.resolve("file.txt"), "x");

    for (String path : new String[] {"/list/missing", "/list/file.txt"}) {
      HttpResult result = get(path);
      assertEquals(404, result.status(), path);
      assertEquals("{\"message\":\"Path is not a directory\"}", result.text(), path);
    }
  }

  @Test
  void existsReportsThePathAsGivenAndWhetherItExists() throws IOException {
    Files.createDirectories(base.resolve("dir"));
    Files.writeString(base.resolve("dir/f.txt"), "x");

    assertEquals("{\"path\":\"dir/f.txt\",\"exists\":true}",
        get("/exists/" + encode("dir/f.txt")).text());
    assertEquals("{\"path\":\"dir\",\"exists\":true}", get("/exists/dir").text());
    assertEquals("{\"path\":\"/nope\",\"exists\":false}",
        get("/exists/" + encode("/nope")).text());
  }
}
