package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.MultipartReader;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Streamed uploads and downloads against a MockWebServer standing in for the runtime. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxFilesStreamingTest {
  private static final int LIMIT = 64 * 1024;

  private FakeCluster cluster;
  private MockWebServer router;
  private SandboxFleet fleet;
  private SandboxFiles files;

  @TempDir
  Path dir;

  @BeforeEach
  void start() throws IOException {
    cluster = new FakeCluster();
    cluster.controller(FakeController.readyAs("python-pool-x7k2p"));
    router = new MockWebServer();
    router.start(InetAddress.getLoopbackAddress(), 0);
    fleet = SandboxFleet.builder().kubernetesClient(cluster.client)
        .connection(ConnectionMode.direct("http://127.0.0.1:" + router.getPort()))
        .maxResponseSize(LIMIT)
        .build();
    files = fleet.create(SandboxOptions.ofTemplate("python-runtime-template")).files();
  }

  @AfterEach
  void stop() throws Exception {
    fleet.close();
    router.shutdown();
    cluster.close();
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static byte[] uploadedContent(RecordedRequest upload) throws IOException {
    MediaType type = MediaType.get(upload.getHeader("Content-Type"));
    try (MultipartReader reader = new MultipartReader(upload.getBody(), type.parameter("boundary"))) {
      MultipartReader.Part part = reader.nextPart();
      assertEquals("form-data; name=\"file\"; filename=\"data/big.bin\"",
          part.headers().get("Content-Disposition"));
      byte[] content = part.body().readByteArray();
      assertNull(reader.nextPart());
      return content;
    }
  }

  @Test
  void uploadStreamsAnInputStreamLargerThanTheLimitInChunks() throws Exception {
    byte[] content = randomBytes(10 * LIMIT + 7);
    router.enqueue(new MockResponse().setBody("{\"message\": \"ok\"}"));

    files.upload("/data/big.bin", new ByteArrayInputStream(content));

    RecordedRequest upload = router.takeRequest();
    assertEquals("chunked", upload.getHeader("Transfer-Encoding"), "length unknown: streamed");
    assertArrayEquals(content, uploadedContent(upload));
  }

  @Test
  void uploadOfALocalFileSendsItsBytes() throws Exception {
    byte[] content = randomBytes(3 * LIMIT);
    Path local = Files.write(dir.resolve("big.bin"), content);
    router.enqueue(new MockResponse().setBody("{\"message\": \"ok\"}"));

    files.upload("data/big.bin", local);

    assertArrayEquals(content, uploadedContent(router.takeRequest()));
    assertThrows(UncheckedIOException.class, () -> files.upload("x", dir.resolve("missing")));
  }

  @Test
  void aFailingSourceStreamIsAnIoErrorNotASandboxError() {
    router.enqueue(new MockResponse().setBody("{\"message\": \"ok\"}"));
    InputStream broken = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("disk gone");
      }
    };

    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> files.upload("data/big.bin", broken));

    assertEquals("disk gone", e.getCause().getMessage());
  }

  @Test
  void downloadToAStreamIsNotBoundByTheInMemoryLimit() throws Exception {
    byte[] content = randomBytes(20 * LIMIT);
    router.enqueue(new MockResponse().setBody(new Buffer().write(content)));
    router.enqueue(new MockResponse().setBody(new Buffer().write(content)));

    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertEquals(content.length, files.download("data/big.bin", sink));
    assertArrayEquals(content, sink.toByteArray());
    assertEquals("/download/data%2Fbig.bin", router.takeRequest().getPath());

    SandboxResponseTooLargeException e = assertThrows(SandboxResponseTooLargeException.class,
        () -> files.read("data/big.bin"));
    assertEquals(LIMIT, e.limitBytes());
  }

  @Test
  void downloadToAPathReplacesTheFileWhole() throws Exception {
    byte[] content = randomBytes(5 * LIMIT);
    Path target = Files.writeString(dir.resolve("out.bin"), "old");
    router.enqueue(new MockResponse().setBody(new Buffer().write(content)));

    assertEquals(content.length, files.download("out.bin", target));

    assertArrayEquals(content, Files.readAllBytes(target));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(1, left.count(), "no partial file left");
    }
  }

  @Test
  void brokenDownloadLeavesNoFileAndIsNotRetried() throws Exception {
    Path target = dir.resolve("out.bin");
    router.enqueue(new MockResponse().setBody(new Buffer().write(randomBytes(4 * LIMIT)))
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    router.enqueue(new MockResponse().setBody("should not be asked for"));

    SandboxConnectionException e = assertThrows(SandboxConnectionException.class,
        () -> files.download("out.bin", target));

    assertTrue(e.getMessage().contains("broke after"), e.getMessage());
    assertFalse(Files.exists(target));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count(), "partial file removed");
    }
    assertEquals(1, router.getRequestCount());
  }

  @Test
  void missingFileDownloadIsFileNotFoundAndCreatesNothing() throws Exception {
    router.enqueue(new MockResponse().setResponseCode(404).setBody("{\"message\": \"File not found\"}"));

    assertThrows(SandboxFileNotFoundException.class, () -> files.download("nope", dir.resolve("x")));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count());
    }
  }

  @Test
  void readStringDecodesUtf8() {
    router.enqueue(new MockResponse().setBody(new Buffer().writeString("h\u00e9llo \u2603",
        StandardCharsets.UTF_8)));

    assertEquals("h\u00e9llo \u2603", files.readString("notes.txt"));
  }
}
