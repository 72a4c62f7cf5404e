package dev.agentsandbox.client.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import dev.agentsandbox.model.internal.RouterProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * The wire format of the runtime's HTTP API (PROTOCOL sections 4 and 5) for one sandbox: builds
 * the requests of {@code /execute}, {@code /upload}, {@code /download}, {@code /list} and
 * {@code /exists}, with the router's headers when they go through a router, and reads their
 * answers into values or {@link SandboxException}s that name the sandbox. Sends nothing and
 * retries nothing. Thread-safe.
 */
final class RuntimeProtocol {
  /**
   * Bodies are already bounded by the client's maximum response size; Jackson's own 20 MB cap
   * on a single string would otherwise turn a large but allowed output into a parse error.
   */
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build());
  private static final MediaType JSON = MediaType.get("application/json");
  static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
  /** Chunk size of streamed uploads and downloads. */
  static final int STREAM_BUFFER_BYTES = 64 * 1024;
  /** Enough of a router's error body to recognise its "could not connect" answer. */
  private static final long NOT_FORWARDED_PEEK_BYTES = 512;

  private final SandboxRef ref;
  private final int sandboxPort;
  private final long maxResponseBytes;
  private final boolean routerHeaders;
  private final Supplier<String> authToken;

  /**
   * @param ref the sandbox addressed; its name goes in {@code X-Sandbox-ID}
   * @param sandboxPort the runtime's port, sent as {@code X-Sandbox-Port}
   * @param maxResponseBytes the largest answer read into memory
   * @param routerHeaders whether requests carry the router's {@code X-Sandbox-*} headers
   * @param authToken supplies the router's Bearer token (null for none); asked per request
   */
  RuntimeProtocol(SandboxRef ref, int sandboxPort, long maxResponseBytes, boolean routerHeaders,
      Supplier<String> authToken) {
    this.ref = ref;
    this.sandboxPort = sandboxPort;
    this.maxResponseBytes = maxResponseBytes;
    this.routerHeaders = routerHeaders;
    this.authToken = authToken;
  }

  /**
   * {@code POST /execute} of {@code command} that may run for {@code timeout}: sent to the
   * router as {@code X-Sandbox-Timeout} and to the runtime as {@code "timeout"} in the body,
   * both in whole seconds rounded up.
   */
  Request.Builder execute(HttpUrl base, String command, Duration timeout) {
    byte[] json;
    try {
      json = MAPPER.writeValueAsBytes(Map.of("command", command, "timeout", wholeSeconds(timeout)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a command as JSON", e);
    }
    Request.Builder request = request(base, "execute").post(RequestBody.create(json, JSON));
    if (routerHeaders) {
      request.header(RouterProtocol.HEADER_SANDBOX_TIMEOUT, Long.toString(wholeSeconds(timeout)));
    }
    return request;
  }

  /** {@code POST /upload} of {@code content} as the multipart field {@code file} named {@code path}. */
  Request.Builder upload(HttpUrl base, String path, RequestBody content) {
    return request(base, "upload").post(new MultipartBody.Builder()
        .setType(MultipartBody.FORM)
        .addFormDataPart("file", path, content)
        .build());
  }

  /** {@code GET /download/{path}}. */
  Request.Builder download(HttpUrl base, String path) {
    return request(base, "download", path).get();
  }

  /** {@code GET /list/{path}}. */
  Request.Builder list(HttpUrl base, String path) {
    return request(base, "list", path).get();
  }

  /** {@code GET /exists/{path}}. */
  Request.Builder exists(HttpUrl base, String path) {
    return request(base, "exists", path).get();
  }

  /** {@code GET /healthz} of the router, without the sandbox headers. */
  Request.Builder healthz(HttpUrl base) {
    return authorized(new Request.Builder().url(base.newBuilder().addPathSegment("healthz").build()))
        .get();
  }

  private Request.Builder request(HttpUrl base, String... segments) {
    HttpUrl.Builder url = base.newBuilder();
    for (String segment : segments) {
      url.addPathSegment(segment);
    }
    Request.Builder request = new Request.Builder().url(url.build());
    if (routerHeaders) {
      request.header(RouterProtocol.HEADER_SANDBOX_ID, ref.sandboxName())
          .header(RouterProtocol.HEADER_SANDBOX_NAMESPACE, ref.namespace())
          .header(RouterProtocol.HEADER_SANDBOX_PORT, Integer.toString(sandboxPort));
    }
    return authorized(request);
  }

  private Request.Builder authorized(Request.Builder request) {
    String token = authToken == null ? null : authToken.get();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  /**
   * Parses an {@code /execute} answer as it arrives, holding no more than its strings: each may
   * have as many characters as the response limit allows bytes, whatever its JSON form.
   */
  ExecutionResult readExecution(Response response) throws IOException {
    JsonFactory bounded = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxResponseBytes)).build()).build();
    JsonNode node;
    try (JsonParser parser = bounded.createParser(response.body().byteStream())) {
      node = MAPPER.readTree(parser);
    } catch (StreamConstraintsException e) {
      throw tooLarge("command output");
    } catch (JsonProcessingException e) {
      throw malformed(response.code(), "the response is not valid JSON");
    }
    JsonNode exit = node == null ? null : node.path("exit_code");
    if (exit == null || !exit.isIntegralNumber() || !exit.canConvertToInt()) {
      throw malformed(response.code(), "no integer exit_code in the /execute response");
    }
    String stdout = text(node, "stdout");
    String stderr = text(node, "stderr");
    return new ExecutionResult(stdout, stderr, exit.intValue(),
        CommandTimeouts.timedOut(exit.intValue(), stdout, stderr));
  }

  /** The content of a {@code /download} answer, bounded by the response limit. */
  byte[] readFile(Response response, String path) throws IOException {
    return readBounded(response, "file '" + path + "'");
  }

  /** The entries of a {@code /list} answer; an invalid entry rejects the whole listing. */
  List<FileEntry> readListing(Response response, String path) throws IOException {
    JsonNode node = parse(readBounded(response, "listing of '" + path + "'"), response.code());
    try {
      return FileListing.parse(node);
    } catch (FileListing.InvalidListingException e) {
      throw new SandboxRequestException(response.code(), "", "The runtime returned an "
          + "invalid listing of '" + path + "' from the sandbox of SandboxClaim '"
          + ref.claimName() + "' (namespace '" + ref.namespace() + "'): "
          + e.getMessage() + ". The whole listing was rejected; is the router forwarding "
          + "to a compatible runtime?", ref.claimName(), ref.namespace());
    }
  }

  /** The {@code exists} field of an {@code /exists} answer. */
  boolean readExists(Response response) throws IOException {
    JsonNode exists = parse(readBounded(response, "exists answer"), response.code()).path("exists");
    if (!exists.isBoolean()) {
      throw malformed(response.code(), "no boolean 'exists' in the /exists response");
    }
    return exists.booleanValue();
  }

  /**
   * Copies a {@code /download} answer into {@code sink} with a fixed-size buffer; the response
   * limit does not apply.
   *
   * @return the number of bytes written
   * @throws IOException if the answer breaks before any byte reached the sink
   * @throws SandboxConnectionException if it breaks after bytes were written
   * @throws UncheckedIOException if writing to {@code sink} fails
   */
  long copyFile(Response response, String path, OutputStream sink) throws IOException {
    BufferedSource source = response.body().source();
    byte[] buffer = new byte[STREAM_BUFFER_BYTES];
    long total = 0;
    while (true) {
      int n;
      try {
        n = source.read(buffer);
      } catch (IOException e) {
        if (total == 0) {
          throw e;
        }
        throw new SandboxConnectionException("Download of '" + path + "' from the sandbox of "
            + "SandboxClaim '" + ref.claimName() + "' broke after " + total + " bytes: " + e
            + ". The sink holds only the start of the file; download it again",
            ref.claimName(), ref.namespace(), e);
      }
      if (n == -1) {
        return total;
      }
      try {
        sink.write(buffer, 0, n);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write the download of '" + path + "' locally", e);
      }
      total += n;
    }
  }

  /**
   * Whether a router answered that it could not connect to the sandbox: the reference router and
   * ours send this 502 only when no byte of the request reached the runtime (for instance while
   * the router's own watch has not seen a new Sandbox yet), so even a command may be sent again.
   */
  boolean notForwarded(Response response) throws IOException {
    return response.code() == 502 && routerHeaders
        && response.peekBody(NOT_FORWARDED_PEEK_BYTES).string().contains(RouterProtocol.COULD_NOT_CONNECT);
  }

  /** The exception for an answer other than 2xx to {@code op} on {@code path} (may be null). */
  SandboxException error(Response response, RuntimeOperation op, String path) {
    int code = response.code();
    String excerpt = excerpt(response);
    String where = " from the sandbox of SandboxClaim '" + ref.claimName() + "' (namespace '"
        + ref.namespace() + "', sandbox '" + ref.sandboxName() + "')";
    if (code >= 300 && code < 400) {
      return new SandboxRequestException(code, excerpt, "Refused to follow HTTP " + code
          + " redirect" + where + " to '" + response.header("Location", "") + "' for "
          + op.description + ": redirects are never followed; check the router URL",
          ref.claimName(), ref.namespace());
    }
    if (code == 404 && (op == RuntimeOperation.DOWNLOAD || op == RuntimeOperation.LIST)) {
      return new SandboxFileNotFoundException(path, excerpt, ref.claimName(), ref.namespace());
    }
    if (code == 403) {
      return new SandboxRequestException(code, excerpt, "Access denied (HTTP 403)" + where + " for "
          + op.description + (path == null ? "" : " of '" + path + "'")
          + ": paths must stay inside the sandbox's base directory (symlinks included), and "
          + "the router may require credentials", ref.claimName(), ref.namespace());
    }
    return new SandboxRequestException(code, excerpt, "HTTP " + code + where + " for "
        + op.description + (path == null ? "" : " of '" + path + "'")
        + (excerpt.isEmpty() ? "" : ": " + excerpt), ref.claimName(), ref.namespace());
  }

  private byte[] readBounded(Response response, String what) throws IOException {
    ResponseBody body = response.body();
    if (body.contentLength() > maxResponseBytes) {
      throw tooLarge(what);
    }
    BufferedSource source = body.source();
    if (source.request(maxResponseBytes + 1)) {
      throw tooLarge(what);
    }
    return source.readByteArray();
  }

  private SandboxResponseTooLargeException tooLarge(String what) {
    String capitalised = Character.toUpperCase(what.charAt(0)) + what.substring(1);
    return new SandboxResponseTooLargeException(capitalised, maxResponseBytes, ref.claimName(),
        ref.namespace());
  }

  private JsonNode parse(byte[] bytes, int code) {
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw malformed(code, "the response is not valid JSON");
    }
  }

  private SandboxRequestException malformed(int code, String problem) {
    return new SandboxRequestException(code, "", "Unexpected response from the sandbox of "
        + "SandboxClaim '" + ref.claimName() + "' (namespace '" + ref.namespace() + "'): "
        + problem + "; is the router forwarding to a compatible runtime?", ref.claimName(),
        ref.namespace());
  }

  private static String excerpt(Response response) {
    try {
      BufferedSource source = response.body().source();
      source.request(SandboxRequestException.MAX_EXCERPT);
      Buffer buffer = source.getBuffer();
      return buffer.readString(Math.min(buffer.size(), SandboxRequestException.MAX_EXCERPT),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isValueNode() && !value.isNull() ? value.asText() : "";
  }

  /** A duration in whole seconds, rounded up, at least 1. */
  static long wholeSeconds(Duration duration) {
    long seconds = duration.getSeconds();
    return Math.max(1, duration.getNano() > 0 ? seconds + 1 : seconds);
  }
}
