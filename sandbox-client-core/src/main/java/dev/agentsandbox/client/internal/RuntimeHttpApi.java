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
import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import dev.agentsandbox.model.RouterProtocol;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's HTTP API (PROTOCOL section 5) for one sandbox, spoken through its connector's
 * shared {@link HttpTransport} to wherever its {@link SandboxEndpoint} currently points: a
 * router (section 4 headers) or the sandbox pod itself. Thread-safe.
 *
 * <p>Retry policy: reads are retried on 502/503/504 and on network failures other than a read
 * timeout. {@code POST /execute} and uploads are re-sent only when the request provably never
 * left this process: no request bytes were written, or the route can tell that what was
 * written went nowhere (a port-forward stream that never opened). A command is not idempotent.
 */
public final class RuntimeHttpApi implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeHttpApi.class);
  /**
   * Bodies are already bounded by the client's maximum response size; Jackson's own 20 MB cap
   * on a single string would otherwise turn a large but allowed output into a parse error.
   */
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build());
  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
  /** Extra time over a command's timeout for the router and runtime to answer. */
  static final Duration RUN_GRACE = Duration.ofSeconds(10);
  /** Chunk size of streamed uploads and downloads. */
  private static final int STREAM_BUFFER_BYTES = 64 * 1024;
  /** Enough of a router's error body to recognise its "could not connect" answer. */
  private static final long NOT_FORWARDED_PEEK_BYTES = 512;

  /** Header names of the router protocol. */
  static final String SANDBOX_ID = RouterProtocol.HEADER_SANDBOX_ID;
  static final String SANDBOX_NAMESPACE = RouterProtocol.HEADER_SANDBOX_NAMESPACE;
  static final String SANDBOX_PORT = RouterProtocol.HEADER_SANDBOX_PORT;
  static final String SANDBOX_TIMEOUT = RouterProtocol.HEADER_SANDBOX_TIMEOUT;

  private final HttpTransport transport;
  private final SandboxEndpoint endpoint;
  private final SandboxRef ref;
  private final HttpSettings settings;
  private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Creates the API of one sandbox; opens no connection.
   *
   * @param transport the connector's shared HTTP client
   * @param endpoint where this sandbox's requests go
   * @param ref the sandbox addressed; its name goes in {@code X-Sandbox-ID}
   * @throws IllegalArgumentException if the sandbox name or namespace could not be sent safely
   */
  public RuntimeHttpApi(HttpTransport transport, SandboxEndpoint endpoint, SandboxRef ref,
      HttpSettings settings) {
    HeaderValues.requireRoutable(ref);
    this.transport = transport;
    this.endpoint = endpoint;
    this.ref = ref;
    this.settings = settings;
  }

  /** The connector's shared OkHttp client, to inspect its resources. */
  public OkHttpClient okHttpClient() {
    return transport.client();
  }

  /**
   * {@code POST /execute}. Blocks until the command finished or the timeout passed. The timeout
   * goes to the router ({@code X-Sandbox-Timeout}) and, as {@code "timeout"} in the body, to the
   * runtime, which kills the command when it passes (the reference runtime ignores the field).
   * Each of stdout and stderr may be as long as the response limit, as decoded text: escaping
   * in the JSON answer does not count.
   *
   * @param timeout how long the command may run, or null for the default
   */
  public ExecutionResult execute(String command, Duration timeout) {
    Duration effective = timeout == null ? settings.runTimeout() : timeout;
    byte[] json;
    try {
      json = MAPPER.writeValueAsBytes(Map.of("command", command, "timeout", wholeSeconds(effective)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a command as JSON", e);
    }
    RequestBody body = RequestBody.create(json, JSON);
    Duration wait = effective.plus(RUN_GRACE);
    Duration deadline = wait.plus(settings.connectTimeout());
    return send(Operation.EXECUTE, null, wait, deadline, base -> {
      Request.Builder request = request(base, "execute").post(body);
      if (transport.routerHeaders()) {
        request.header(SANDBOX_TIMEOUT, Long.toString(wholeSeconds(effective)));
      }
      return request;
    }, this::readExecution);
  }

  /**
   * Parses an {@code /execute} answer as it arrives, holding no more than its strings: each may
   * have as many characters as the response limit allows bytes, whatever its JSON form.
   */
  private ExecutionResult readExecution(Response response) throws IOException {
    long limit = settings.maxResponseBytes();
    JsonFactory bounded = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength((int) Math.min(Integer.MAX_VALUE, limit)).build()).build();
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

  /**
   * {@code POST /upload} of a whole file; {@code path} is already normalised. Retried like a read:
   * the same whole file written twice leaves the same file.
   */
  public void upload(String path, byte[] content) {
    RequestBody body = new MultipartBody.Builder()
        .setType(MultipartBody.FORM)
        .addFormDataPart("file", path, RequestBody.create(content, OCTET_STREAM))
        .build();
    send(Operation.UPLOAD, path, null, null, base -> request(base, "upload").post(body),
        response -> null);
  }

  /** {@code GET /download/{path}}, bounded by the response limit. */
  public byte[] download(String path) {
    return send(Operation.DOWNLOAD, path, null, null, base -> request(base, "download", path).get(),
        response -> readBounded(response, "file '" + path + "'"));
  }

  /** {@code GET /list/{path}}. */
  public List<FileEntry> list(String path) {
    return send(Operation.LIST, path, null, null, base -> request(base, "list", path).get(),
        response -> {
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
        });
  }

  /** {@code GET /exists/{path}}. */
  public boolean exists(String path) {
    return send(Operation.EXISTS, path, null, null, base -> request(base, "exists", path).get(),
        response -> {
          JsonNode exists = parse(readBounded(response, "exists answer"), response.code()).path("exists");
          if (!exists.isBoolean()) {
            throw malformed(response.code(), "no boolean 'exists' in the /exists response");
          }
          return exists.booleanValue();
        });
  }

  /**
   * {@code POST /upload} streaming {@code content} to its end in chunks (it is not closed);
   * {@code path} is already normalised. Sent again only if no byte of the stream was read yet.
   *
   * @throws UncheckedIOException if reading {@code content} fails
   */
  public void upload(String path, InputStream content) {
    StreamedBody streamed = new StreamedBody(content);
    try {
      sendUpload(Operation.UPLOAD_STREAM, path, () -> {
        if (streamed.started) {
          throw new SandboxConnectionException("Upload of '" + path + "' to the sandbox of "
              + "SandboxClaim '" + ref.claimName() + "' broke after its stream was partly read; "
              + "it cannot be sent again from the same stream", ref.claimName(), ref.namespace(),
              null);
        }
        return streamed;
      });
    } catch (RuntimeException e) {
      if (streamed.readFailure != null) {
        throw new UncheckedIOException("Cannot read the content to upload to '" + path + "'",
            streamed.readFailure);
      }
      throw e;
    }
  }
  /**
   * {@code POST /upload} streaming a local file; {@code path} is already normalised.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  public void upload(String path, Path localFile) {
    if (!Files.isRegularFile(localFile) || !Files.isReadable(localFile)) {
      throw new UncheckedIOException(new NoSuchFileException(localFile.toString(), null,
          "not a readable regular file"));
    }
    RequestBody file = RequestBody.create(localFile.toFile(), OCTET_STREAM);
    sendUpload(Operation.UPLOAD, path, () -> file);
  }

  private void sendUpload(Operation op, String path, Supplier<RequestBody> content) {
    send(op, path, null, null, base -> request(base, "upload").post(
        new MultipartBody.Builder()
            .setType(MultipartBody.FORM)
            .addFormDataPart("file", path, content.get())
            .build()),
        response -> null);
  }

  /**
   * {@code GET /download/{path}} copied into {@code sink} with a fixed-size buffer. The response
   * limit does not apply: nothing is held in memory. Retried like other reads only while no
   * byte has reached the sink.
   *
   * @return the number of bytes written
   * @throws UncheckedIOException if writing to {@code sink} fails
   * @throws SandboxConnectionException if the transfer breaks after bytes were written
   */
  public long download(String path, OutputStream sink) {
    return send(Operation.DOWNLOAD, path, null, null, base -> request(base, "download", path).get(),
        response -> {
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
        });
  }

  /**
   * {@code GET /healthz} of the router: proves the connection works. Any HTTP answer counts, as
   * routers differ in what they serve there.
   *
   * @throws SandboxConnectionException if no HTTP answer came back
   */
  public void probeRouter() {
    send(Operation.PROBE, null, null, null, base -> authorized(new Request.Builder()
        .url(base.newBuilder().addPathSegment("healthz").build())).get(), response -> null);
  }

  /**
   * Cancels this sandbox's calls in flight; later calls throw {@link IllegalStateException}.
   * The shared transport stays open: its connector closes it. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    for (Call call : inFlight) {
      call.cancel();
    }
  }

  private Request.Builder request(HttpUrl base, String... segments) {
    HttpUrl.Builder url = base.newBuilder();
    for (String segment : segments) {
      url.addPathSegment(segment);
    }
    Request.Builder request = new Request.Builder().url(url.build());
    if (transport.routerHeaders()) {
      request.header(SANDBOX_ID, ref.sandboxName())
          .header(SANDBOX_NAMESPACE, ref.namespace())
          .header(SANDBOX_PORT, Integer.toString(settings.sandboxPort()));
    }
    return authorized(request);
  }

  private Request.Builder authorized(Request.Builder request) {
    String token = transport.authToken();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  /**
   * Sends a request, retrying what is safe to retry.
   *
   * @param readTimeout longest silence while waiting, or null for the transport's default
   * @param callTimeout deadline of each attempt as a whole, or null for none
   * @param factory builds the request for a base URL, once per attempt (the URL may change)
   */
  private <T> T send(Operation op, String path, Duration readTimeout, Duration callTimeout,
      RequestFactory factory, BodyReader<T> reader) {
    RetryPolicy retry = settings.retry();
    for (int attempt = 1; ; attempt++) {
      ensureOpen();
      SandboxEndpoint.Target target = endpoint.target();
      CallTrace trace = new CallTrace(target.witness());
      Request request = factory.create(target.baseUrl())
          .tag(CallTrace.class, trace)
          .tag(HttpTransport.CallOptions.class, new HttpTransport.CallOptions(readTimeout))
          .build();
      boolean last = attempt >= retry.maxAttempts();
      Call call = transport.client().newCall(request);
      if (callTimeout != null) {
        call.timeout().timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      inFlight.add(call);
      try (InterruptWatchdog.Watch watch = InterruptWatchdog.SHARED.watch(call);
          Response response = start(call)) {
        int code = response.code();
        LOG.debug("{} {} -> {} (attempt {})", request.method(), request.url().encodedPath(), code, attempt);
        if (op == Operation.PROBE) {
          return reader.read(response);
        }
        if (!last && ((op.idempotent && (code == 502 || code == 503 || code == 504)) || notForwarded(response))) {
          pause(retry, attempt);
          continue;
        }
        if (code >= 200 && code < 300) {
          return reader.read(response);
        }
        throw httpError(response, op, path);
      } catch (IOException e) {
        if (closed) {
          throw new SandboxConnectionException("The sandbox of SandboxClaim '" + ref.claimName()
              + "' was closed while " + op.description + " was in flight", ref.claimName(),
              ref.namespace(), e);
        }
        boolean neverSent = trace.neverDelivered();
        if (Thread.currentThread().isInterrupted()) {
          throw interrupted(op, path, neverSent, e);
        }
        boolean timedOut = e instanceof SocketTimeoutException || e instanceof InterruptedIOException;
        if (neverSent || !timedOut) {
          endpoint.connectionFailed(target, e);
        }
        boolean retryable = neverSent || (op.idempotent && !timedOut);
        LOG.debug("{} {} failed (attempt {}, request {}delivered): {}", request.method(),
            request.url().encodedPath(), attempt, neverSent ? "not " : "maybe ", e.toString());
        if (retryable && !last) {
          pause(retry, attempt);
          continue;
        }
        throw new SandboxConnectionException("Cannot reach the sandbox of SandboxClaim '"
            + ref.claimName() + "' (namespace '" + ref.namespace() + "') for " + op.description
            + ": " + e + "."
            + (neverSent || op.idempotent ? "" : " The request may have reached the sandbox, so it "
                + "was not sent again.")
            + trace.routeAccount() + " " + endpoint.hint(), ref.claimName(), ref.namespace(), e);
      } finally {
        inFlight.remove(call);
      }
    }
  }

  private Response start(Call call) throws IOException {
    if (closed) {
      // close() may have run between ensureOpen() and registering the call.
      call.cancel();
    }
    return call.execute();
  }

  /**
   * Whether a router answered that it could not connect to the sandbox: the reference router and
   * ours send this 502 only when no byte of the request reached the runtime (for instance while
   * the router's own watch has not seen a new Sandbox yet), so even a command may be sent again.
   */
  private boolean notForwarded(Response response) throws IOException {
    return response.code() == 502 && transport.routerHeaders()
        && response.peekBody(NOT_FORWARDED_PEEK_BYTES).string().contains(RouterProtocol.COULD_NOT_CONNECT);
  }

  private SandboxException httpError(Response response, Operation op, String path) {
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
    if (code == 404 && (op == Operation.DOWNLOAD || op == Operation.LIST)) {
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
    long limit = settings.maxResponseBytes();
    if (body.contentLength() > limit) {
      throw tooLarge(what);
    }
    BufferedSource source = body.source();
    if (source.request(limit + 1)) {
      throw tooLarge(what);
    }
    return source.readByteArray();
  }

  private SandboxResponseTooLargeException tooLarge(String what) {
    String capitalised = Character.toUpperCase(what.charAt(0)) + what.substring(1);
    return new SandboxResponseTooLargeException(capitalised, settings.maxResponseBytes(),
        ref.claimName(), ref.namespace());
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

  private void pause(RetryPolicy retry, int attempt) {
    Duration delay = Backoff.delay(retry, attempt, ThreadLocalRandom.current());
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxInterruptedException("Interrupted while waiting to retry a request to the "
          + "sandbox of SandboxClaim '" + ref.claimName() + "' (namespace '" + ref.namespace()
          + "'); it was not sent again", ref.claimName(), ref.namespace(), e);
    }
  }

  /** The call of an interrupted thread was cancelled (by {@link InterruptWatchdog}). */
  private SandboxInterruptedException interrupted(Operation op, String path, boolean neverSent,
      IOException cause) {
    return new SandboxInterruptedException("Interrupted while " + op.description
        + (path == null ? "" : " '" + path + "'") + " in the sandbox of SandboxClaim '"
        + ref.claimName() + "' (namespace '" + ref.namespace() + "'); the request was cancelled"
        + (neverSent ? " before it was sent"
            : op.idempotent ? "" : ". It may have reached the sandbox: "
                + (op == Operation.EXECUTE ? "the command may have started and may still be "
                    + "running there" : "the file may have been written")),
        ref.claimName(), ref.namespace(), cause);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("The sandbox of SandboxClaim '" + ref.claimName()
          + "' in namespace '" + ref.namespace() + "' is closed: create a new one");
    }
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

  static long wholeSeconds(Duration duration) {
    long seconds = duration.getSeconds();
    return Math.max(1, duration.getNano() > 0 ? seconds + 1 : seconds);
  }

  static EventListener traceOf(Call call) {
    CallTrace trace = call.request().tag(CallTrace.class);
    return trace == null ? EventListener.NONE : trace;
  }

  private enum Operation {
    EXECUTE("running a command", false),
    // The runtime renames a complete upload into place: sending the same whole file again has the
    // same effect, so it is retried like a read. A streamed upload cannot be sent twice.
    UPLOAD("writing a file", true),
    UPLOAD_STREAM("writing a file", false),
    DOWNLOAD("reading a file", true),
    LIST("listing a directory", true),
    EXISTS("checking a path", true),
    PROBE("checking the router", true);

    final String description;
    final boolean idempotent;

    Operation(String description, boolean idempotent) {
      this.description = description;
      this.idempotent = idempotent;
    }
  }

  /** A one-shot request body read from a stream in chunks; remembers a failure of the stream. */
  private static final class StreamedBody extends RequestBody {
    private final InputStream content;
    volatile boolean started;
    volatile IOException readFailure;

    StreamedBody(InputStream content) {
      this.content = content;
    }

    @Override
    public MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      started = true;
      byte[] buffer = new byte[STREAM_BUFFER_BYTES];
      while (true) {
        int n;
        try {
          n = content.read(buffer);
        } catch (IOException e) {
          readFailure = e;
          throw e;
        }
        if (n == -1) {
          return;
        }
        sink.write(buffer, 0, n);
      }
    }
  }

  @FunctionalInterface
  private interface RequestFactory {
    Request.Builder create(HttpUrl baseUrl);
  }

  @FunctionalInterface
  private interface BodyReader<T> {
    T read(Response response) throws IOException;
  }

  /** Records how far a call got: whether it wrote its request, and on which connection. */
  private static final class CallTrace extends EventListener {
    private final SandboxEndpoint.DeliveryWitness witness;
    private volatile boolean connecting;
    private volatile long connectStartNanos;
    private volatile boolean requestSent;
    private volatile Object checkpoint;

    CallTrace(SandboxEndpoint.DeliveryWitness witness) {
      this.witness = witness;
    }

    @Override
    public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
      if (!connecting) {
        connectStartNanos = System.nanoTime();
        connecting = true;
      }
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      if (witness != null) {
        checkpoint = witness.checkpoint(connection.socket(), connecting, connectStartNanos);
      }
    }

    @Override
    public void requestHeadersStart(Call call) {
      requestSent = true;
    }

    /** What the route saw of the call's connection, as " <sentence>.", or "". */
    String routeAccount() {
      Object point = checkpoint;
      String account = witness != null && point != null ? witness.describe(point) : null;
      return account == null ? "" : " " + account + ".";
    }

    /** Whether nothing of the request can have reached the other end. */
    boolean neverDelivered() {
      if (!requestSent) {
        return true;
      }
      Object point = checkpoint;
      return witness != null && point != null && witness.neverDelivered(point);
    }
  }
}
