package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.SandboxConnectionException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * The runtime's HTTP API (PROTOCOL section 5) for one sandbox: each call is a request of the
 * {@link RuntimeProtocol} sent by a {@link RetryingCall} through its connector's shared
 * {@link HttpTransport} to wherever its {@link SandboxEndpoint} currently points, a router
 * (section 4 headers) or the sandbox pod itself. Thread-safe.
 *
 * <p>Retries: reads and whole-file uploads are retried on 502/503/504 and on network failures
 * other than a read timeout. {@code POST /execute} and streamed uploads are re-sent only when
 * the request provably never left this process, or the router says it forwarded nothing: a
 * command is not idempotent. See {@link RetryingCall}.
 */
public final class RuntimeHttpApi implements Closeable {
  /** Extra time over a command's timeout for the router and runtime to answer. */
  static final Duration RUN_GRACE = Duration.ofSeconds(10);

  private final HttpTransport transport;
  private final SandboxRef ref;
  private final HttpSettings settings;
  private final RuntimeProtocol protocol;
  private final RetryingCall calls;

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
    this.ref = ref;
    this.settings = settings;
    this.protocol = new RuntimeProtocol(ref, settings.sandboxPort(), settings.maxResponseBytes(),
        transport.routerHeaders(), transport::authToken);
    this.calls = new RetryingCall(transport, endpoint, settings.retry(), ref);
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
    Duration wait = effective.plus(RUN_GRACE);
    Duration deadline = wait.plus(settings.connectTimeout());
    return calls.send(RuntimeOperation.EXECUTE, null, wait, deadline,
        exchange(RuntimeOperation.EXECUTE, null, base -> protocol.execute(base, command, effective),
            protocol::readExecution));
  }

  /**
   * {@code POST /upload} of a whole file; {@code path} is already normalised. Retried like a read:
   * the same whole file written twice leaves the same file.
   */
  public void upload(String path, byte[] content) {
    RequestBody body = RequestBody.create(content, RuntimeProtocol.OCTET_STREAM);
    upload(RuntimeOperation.UPLOAD, path, () -> body);
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
      upload(RuntimeOperation.UPLOAD_STREAM, path, () -> {
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
    RequestBody file = RequestBody.create(localFile.toFile(), RuntimeProtocol.OCTET_STREAM);
    upload(RuntimeOperation.UPLOAD, path, () -> file);
  }

  private void upload(RuntimeOperation op, String path, Supplier<RequestBody> content) {
    calls.send(op, path, null, null,
        exchange(op, path, base -> protocol.upload(base, path, content.get()), response -> null));
  }

  /** {@code GET /download/{path}}, bounded by the response limit. */
  public byte[] download(String path) {
    return read(RuntimeOperation.DOWNLOAD, path, base -> protocol.download(base, path),
        response -> protocol.readFile(response, path));
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
    return read(RuntimeOperation.DOWNLOAD, path, base -> protocol.download(base, path),
        response -> protocol.copyFile(response, path, sink));
  }

  /** {@code GET /list/{path}}. */
  public List<FileEntry> list(String path) {
    return read(RuntimeOperation.LIST, path, base -> protocol.list(base, path),
        response -> protocol.readListing(response, path));
  }

  /** {@code GET /exists/{path}}. */
  public boolean exists(String path) {
    return read(RuntimeOperation.EXISTS, path, base -> protocol.exists(base, path),
        protocol::readExists);
  }

  /**
   * {@code GET /healthz} of the router: proves the connection works. Any HTTP answer counts, as
   * routers differ in what they serve there.
   *
   * @throws SandboxConnectionException if no HTTP answer came back
   */
  public void probeRouter() {
    read(RuntimeOperation.PROBE, null, protocol::healthz, response -> null);
  }

  /**
   * Cancels this sandbox's calls in flight; later calls throw {@link IllegalStateException}.
   * The shared transport stays open: its connector closes it. Idempotent.
   */
  @Override
  public void close() {
    calls.close();
  }

  private <T> T read(RuntimeOperation op, String path, Function<HttpUrl, Request.Builder> request,
      BodyReader<T> reader) {
    return calls.send(op, path, null, null, exchange(op, path, request, reader));
  }

  /** An exchange whose answer is read by {@code reader} if it is a success for {@code op}. */
  private <T> RetryingCall.Exchange<T> exchange(RuntimeOperation op, String path,
      Function<HttpUrl, Request.Builder> request, BodyReader<T> reader) {
    return new RetryingCall.Exchange<>() {
      @Override
      public Request.Builder request(HttpUrl baseUrl) {
        return request.apply(baseUrl);
      }

      @Override
      public boolean notForwarded(Response response) throws IOException {
        return protocol.notForwarded(response);
      }

      @Override
      public T read(Response response) throws IOException {
        if (!op.needsSuccess || response.isSuccessful()) {
          return reader.read(response);
        }
        throw protocol.error(response, op, path);
      }
    };
  }

  @FunctionalInterface
  private interface BodyReader<T> {
    T read(Response response) throws IOException;
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
      return RuntimeProtocol.OCTET_STREAM;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      started = true;
      byte[] buffer = new byte[RuntimeProtocol.STREAM_BUFFER_BYTES];
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
}
