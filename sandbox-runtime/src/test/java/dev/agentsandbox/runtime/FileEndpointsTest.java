package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
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

    assertEquals(200, result.status(), result.text());
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
  void uploadKeepsSeparatorsInFileNames() throws IOException {
    for (String name : List.of("a;b", "a=b", "a,b", "a:b", "a; filename=b", "x=1;y=2,z:3")) {
      HttpResult result = upload(name, RequestBody.create(name, OCTETS));

      assertEquals(200, result.status(), result::text);
      assertEquals(name, Files.readString(base.resolve(name)));
    }
  }

  @Test
  void uploadTakesTheFileNameAsTheContentDispositionQuotesIt() throws IOException {
    Map<String, String> sentAndStored = Map.of(
        "filename=\"q\\\"uote.txt\"", "q\"uote.txt",
        "filename=\"back\\\\slash\"", "back\\slash",
        "filename=\"kept\\n\"", "kept\\n",
        "filename=\"html%22quote\"", "html%22quote",
        "filename=a=b:c,d", "a=b:c,d",
        "filename=\"in\\\"; filename=\\\"other\"", "in\"; filename=\"other",
        "filename=\"ignored\"; filename*=UTF-8''caf%C3%A9%3B%3D%2C%3A%22.txt", "caf\u00e9;=,:\".txt");
    for (Map.Entry<String, String> e : sentAndStored.entrySet()) {
      HttpResult result = uploadWithDisposition("form-data; name=\"file\"; " + e.getKey(),
          e.getValue());

      assertEquals(200, result.status(), () -> e.getKey() + ": " + result.text());
      assertEquals(e.getValue(), Files.readString(base.resolve(e.getValue())), e.getKey());
    }
  }

  @Test
  void uploadWithSeparatorsInItsNameStillCannotLeaveTheBase() {
    HttpResult result = uploadWithDisposition(
        "form-data; name=\"file\"; filename=\"../out;side=1\"", "x");

    assertEquals(403, result.status(), result::text);
    assertFalse(Files.exists(temp.resolve("out;side=1")));
  }

  @Test
  void uploadWhosePartNamesItsFileTwiceIsABadRequest() throws IOException {
    HttpResult result = uploadWithDisposition(
        "form-data; name=\"file\"; filename=\"one\"; filename=\"two\"", "x");

    assertEquals(400, result.status(), result::text);
    assertEquals(List.of(), namesIn(base));
  }

  HttpResult uploadWithDisposition(String disposition, String content) {
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addPart(MultipartBody.Part.create(Headers.of("Content-Disposition", disposition),
            RequestBody.create(content, OCTETS)))
        .build();
    return call(new Request.Builder().url(url(server, "/upload")).post(form).build());
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
  void headOfADownloadAnnouncesTheLengthWithoutSendingTheContent() throws IOException {
    Files.writeString(base.resolve("head.txt"), "twelve bytes");

    HttpResult result = call(new Request.Builder().url(url(server, "/download/head.txt")).head()
        .build());

    assertEquals(200, result.status());
    assertEquals(0, result.body().length);
    try (Socket socket = rawSocket()) {
      send(socket, "HEAD /download/head.txt HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("12", readHead(socket.getInputStream()).get("content-length"));
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

  @Test
  void R12_downloadOfAFileDeletedMidRequestIsAlwaysAnswered() throws Exception {
    byte[] content = new byte[64 * 1024];
    new Random(7).nextBytes(content);
    Path file = base.resolve("churn.bin");
    Path staged = temp.resolve("churn.staged");
    Files.write(file, content);
    OkHttpClient quick = http.newBuilder().callTimeout(Duration.ofSeconds(5)).build();
    SymlinkRaceTest.Racer racer = SymlinkRaceTest.Racer.start(() -> {
      Files.deleteIfExists(file);
      Files.write(staged, content);
      Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
    });
    try {
      for (int i = 0; i < 400; i++) {
        Request request = new Request.Builder().url(url(server, "/download/churn.bin")).build();
        try (Response response = quick.newCall(request).execute()) {
          byte[] body = response.body().bytes();
          if (response.code() == 200) {
            assertArrayEquals(content, body, "a partial or mixed file");
          } else {
            assertEquals(404, response.code());
          }
        }
      }
    } finally {
      racer.stop();
    }
  }

  @Test
  void R12_downloadOfAFileThatShrinksMidTransferEndsTheConnection() throws Exception {
    Path file = base.resolve("shrinking.bin");
    long size = 64L * 1024 * 1024;
    try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      channel.position(size - 1).write(ByteBuffer.wrap(new byte[] {1}));
    }

    try (Socket socket = rawSocket()) {
      send(socket, "GET /download/shrinking.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      InputStream in = socket.getInputStream();
      Map<String, String> headers = readHead(in);
      assertEquals(Long.toString(size), headers.get("content-length"));
      long received = in.readNBytes(1024 * 1024).length;
      try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
        channel.truncate(0);
      }
      byte[] chunk = new byte[64 * 1024];
      int n;
      while ((n = in.read(chunk)) != -1) {
        received += n;
      }
      assertTrue(received < size, "received " + received);
    }
  }

  @Test
  void R12_downloadAbandonedByTheClientClosesTheFile() throws Exception {
    Path file = base.resolve("abandoned.bin");
    try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      channel.position(64L * 1024 * 1024 - 1).write(ByteBuffer.wrap(new byte[] {1}));
    }

    try (Socket socket = rawSocket()) {
      send(socket, "GET /download/abandoned.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      InputStream in = socket.getInputStream();
      assertEquals("200", readHead(in).get(":status"));
      in.readNBytes(1024 * 1024);
    }

    await("the file is closed", () -> descriptorsUnder(base).isEmpty());
  }

  @Test
  void R12_uploadWhoseBodyEndsBeforeTheClosingBoundaryIsAnsweredAndLeavesNothing()
      throws Exception {
    String body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.txt\""
        + "\r\nContent-Type: application/octet-stream\r\n\r\nthe content, never closed";
    for (int i = 0; i < 20; i++) {
      try (Socket socket = rawSocket()) {
        send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: multipart/form-data; boundary=XyZ\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        Map<String, String> head = readHead(socket.getInputStream());

        assertEquals("400", head.get(":status"));
        assertEquals(List.of(), namesIn(base));
        assertEquals(List.of(), descriptorsUnder(base));
      }
    }
  }

  @Test
  void R12_uploadCutOffByTheClientLeavesNothingBehind() throws Exception {
    String part = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\""
        + "\r\nContent-Type: application/octet-stream\r\n\r\n";
    try (Socket socket = rawSocket()) {
      send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: multipart/form-data; boundary=XyZ\r\n"
          + "Content-Length: 100000000\r\n\r\n" + part);
      socket.getOutputStream().write(new byte[1024 * 1024]);
      await("the upload is being written", () -> !namesIn(base).isEmpty());
    }

    await("the temporary file is gone", () -> namesIn(base).isEmpty());
    await("no descriptor is left open", () -> descriptorsUnder(base).isEmpty());
  }

  @Test
  void R13_listReportsALinkLeavingTheSandboxAsItselfWithoutTheTargetsMetadata()
      throws IOException {
    Path hostFile = Files.write(temp.resolve("host-secret.bin"), new byte[12345]);
    Files.setLastModifiedTime(hostFile, FileTime.fromMillis(978307200000L));
    Path link = Files.createSymbolicLink(base.resolve("peek"), hostFile);
    Files.createSymbolicLink(base.resolve("peek-missing"), temp.resolve("no-such-file"));
    Files.createDirectory(base.resolve("sub"));
    Files.writeString(base.resolve("sub/inner.txt"), "123");
    Files.createSymbolicLink(base.resolve("sub-link"), Path.of("sub"));
    Files.createSymbolicLink(base.resolve("inner-link"), Path.of("sub/inner.txt"));

    JsonNode entries = get("/list/").json();

    assertEquals(5, entries.size(), entries.toString());
    BasicFileAttributes own = Files.readAttributes(link, BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS);
    JsonNode peek = entries.get(1);
    assertEquals("peek", peek.get("name").asText());
    assertEquals("file", peek.get("type").asText());
    assertEquals(own.size(), peek.get("size").asLong());
    assertEquals(own.lastModifiedTime().to(TimeUnit.MICROSECONDS) / 1e6,
        peek.get("mod_time").asDouble(), 1e-6);
    JsonNode missing = entries.get(2);
    assertEquals("peek-missing", missing.get("name").asText());
    assertEquals("file", missing.get("type").asText());
    // Links within the sandbox still show what they lead to.
    assertEquals("inner-link", entries.get(0).get("name").asText());
    assertEquals(3, entries.get(0).get("size").asLong());
    assertEquals("sub-link", entries.get(4).get("name").asText());
    assertEquals("directory", entries.get(4).get("type").asText());
  }

  Socket rawSocket() throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  static void send(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** Reads a response's status line and headers; the status is under ":status". */
  static Map<String, String> readHead(InputStream in) throws IOException {
    Map<String, String> headers = new HashMap<>();
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String text = line.toString().trim();
        line.setLength(0);
        if (text.isEmpty()) {
          return headers;
        }
        if (headers.isEmpty()) {
          headers.put(":status", text.split(" ")[1]);
        } else {
          int colon = text.indexOf(':');
          headers.put(text.substring(0, colon).trim().toLowerCase(Locale.ROOT),
              text.substring(colon + 1).trim());
        }
      } else {
        line.append((char) c);
      }
    }
    throw new EOFException("connection closed before the end of the response head");
  }

  static List<String> namesIn(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The files this process has open under {@code dir}, directories included. */
  static List<String> descriptorsUnder(Path dir) {
    List<String> open = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith(dir.toString())) {
            open.add(target);
          }
        } catch (IOException closedMeanwhile) {
          // The listing's own descriptor, or one closed since.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return open;
  }
}
