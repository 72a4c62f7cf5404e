package dev.agentsandbox.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MultipartFormParserTest {

  private static final String BODY = "preamble to ignore\r\n"
      + "--XyZ\r\n"
      + "Content-Disposition: form-data; name=\"other\"\r\n\r\n"
      + "a field\r\n"
      + "--XyZ  \r\n"
      + "Content-Disposition: form-data; name=\"file\"; filename=\"dir/a;b=c,d:e.txt\"\r\n"
      + "Content-Type: application/octet-stream\r\n\r\n"
      + "line one\r\n--Xy-Z almost the boundary\r\n--Xy\r\n\r\n"
      + "--XyZ\r\n"
      + "Content-Disposition: form-data; name=\"file\"; filename=\"second.txt\"\r\n\r\n"
      + "a second file part, ignored\r\n"
      + "--XyZ--\r\nepilogue";

  /** What the parser handed over: the file name, the data and how the part ended. */
  private static final class Received {
    final List<String> names = new ArrayList<>();
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    boolean ended;
    Throwable failed;
  }

  private static Received parse(String body, int chunkSize) {
    Received received = new Received();
    MultipartFormParser parser = new MultipartFormParser("XyZ", null, part -> {
      received.names.add(part.filename());
      part.handler(data -> received.data.writeBytes(data.getBytes()));
      part.endHandler(v -> received.ended = true);
      part.exceptionHandler(e -> received.failed = e);
    }, v -> { }, v -> { });
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += chunkSize) {
      parser.handle(Buffer.buffer().appendBytes(bytes, i, Math.min(chunkSize, bytes.length - i)));
    }
    parser.end();
    return received;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
  void theFilePartArrivesWholeHoweverTheBodyIsCut(int chunkSize) {
    Received received = parse(BODY, chunkSize);

    assertEquals(List.of("dir/a;b=c,d:e.txt"), received.names);
    assertEquals("line one\r\n--Xy-Z almost the boundary\r\n--Xy\r\n",
        received.data.toString(StandardCharsets.UTF_8));
    assertTrue(received.ended);
    assertNull(received.failed);
  }

  @Test
  void aBodyCutBeforeTheClosingBoundaryFailsTheFilePart() {
    Received received = parse(BODY.substring(0, BODY.indexOf("--Xy\r\n")), 5);

    assertFalse(received.ended);
    assertTrue(received.failed instanceof UploadReceiver.IncompleteUploadException);
  }

  @Test
  void aFileNameGivenTwiceIsRejected() {
    Received received = parse("--XyZ\r\nContent-Disposition: form-data; name=file; "
        + "filename=a; filename=b\r\n\r\nx\r\n--XyZ--", 4);

    assertEquals(List.of(), received.names);
  }

  @Test
  void partHeadersAreBounded() {
    Received received = new Received();
    MultipartFormParser parser = new MultipartFormParser("XyZ", null,
        part -> received.names.add(part.filename()), v -> { }, v -> { });
    parser.handle(Buffer.buffer("--XyZ\r\nX-Long: "));
    for (int i = 0; i < MultipartFormParser.MAX_HEADER_BYTES / 1024 + 1; i++) {
      parser.handle(Buffer.buffer("x".repeat(1024)));
    }

    assertTrue(parser.failure().contains("longer than"), parser.failure());
    assertEquals(List.of(), received.names);
  }

  @Test
  void theBoundaryComesFromAMultipartFormDataContentType() {
    assertEquals("XyZ", MultipartFormParser.boundary("multipart/form-data; boundary=XyZ"));
    assertEquals("a b;c", MultipartFormParser.boundary("Multipart/Form-Data; boundary=\"a b;c\""));
    assertNull(MultipartFormParser.boundary("application/json"));
    assertNull(MultipartFormParser.boundary("multipart/form-data"));
    assertNull(MultipartFormParser.boundary("multipart/form-data; boundary=" + "b".repeat(71)));
    assertNull(MultipartFormParser.boundary(null));
  }

  @Test
  void headerParametersKeepSeparatorsInQuotedValues() {
    HeaderParameters parsed = HeaderParameters.parse(
        "form-data; NAME=\"file\"; filename=\"a;b=c,d:e \\\"q\\\" \\\\ \\x\"");

    assertEquals("form-data", parsed.value());
    assertEquals(Map.of("name", "file", "filename", "a;b=c,d:e \"q\" \\ \\x"), parsed.parameters());
    assertThrows(IllegalArgumentException.class, () -> HeaderParameters.parse("a; b=\"open"));
    assertThrows(IllegalArgumentException.class, () -> HeaderParameters.parse("a; b=\"x\"y"));
    assertThrows(IllegalArgumentException.class, () -> HeaderParameters.parse("a; novalue"));
    assertEquals("caf\u00e9 \u20ac", HeaderParameters.decodeExtended("UTF-8''caf%C3%A9%20%E2%82%AC"));
    assertEquals("caf\u00e9", HeaderParameters.decodeExtended("iso-8859-1'fr'caf%E9"));
    assertThrows(IllegalArgumentException.class, () -> HeaderParameters.decodeExtended("UTF-8''%C3"));
  }
}
