package dev.agentsandbox.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import dev.agentsandbox.client.internal.sandboxd.ProcessServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;
import org.jspecify.annotations.Nullable;

/**
 * A sandbox served by sandboxd: commands and live processes through its gRPC process API, files
 * through its REST API ({@code /v1/files}), both over one {@link SandboxdRoute}.
 *
 * <p>{@code run} and {@code execute} start the command with {@code Start} and collect its
 * output, so a time limit kills it in the sandbox and the output written until then is kept.
 * A command line runs with {@code /bin/sh -c}, as the reference clients run it. Reads
 * ({@code GET}, {@code HEAD}) that fail to connect are sent once more through a reopened route.
 */
public final class SandboxdApi implements SandboxRuntimeApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
  /** Added to a run's time limit for the last output and the exit to arrive. */
  private static final Duration RUN_GRACE = Duration.ofSeconds(30);
  private static final int COPY_BUFFER = 64 * 1024;

  private final SandboxRef ref;
  private final SandboxdRoute route;
  private final OkHttpClient http;
  private final HttpSettings settings;
  private final ScheduledExecutorService scheduler;
  private final Set<SandboxdProcess> live = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  SandboxdApi(SandboxRef ref, SandboxdRoute route, OkHttpClient http, HttpSettings settings,
      ScheduledExecutorService scheduler) {
    this.ref = ref;
    this.route = route;
    this.http = http;
    this.settings = settings;
    this.scheduler = scheduler;
  }

  @Override
  public String runtimeName() {
    return "sandboxd";
  }

  private Duration callTimeout() {
    return settings.connectTimeout().plus(settings.readTimeout());
  }

  private ProcessServiceGrpc.ProcessServiceStub stub(SandboxdRoute.Connection connection) {
    return ProcessServiceGrpc.newStub(connection.channel());
  }

  @Override
  public ExecutionResult execute(String command, @Nullable Duration timeout) {
    return run(ProcessSpec.builder("/bin/sh", "-c", command)
        .timeout(timeout == null ? settings.runTimeout() : timeout).build());
  }

  @Override
  public CompletableFuture<ExecutionResult> executeAsync(String command) {
    return runAsync(ProcessSpec.builder("/bin/sh", "-c", command).build());
  }

  @Override
  public ExecutionResult run(ProcessSpec spec) {
    ProcessSpec limited = spec.timeout().isPresent() ? spec
        : spec.toBuilder().timeout(settings.runTimeout()).build();
    Duration wait = limited.timeout().orElseThrow().plus(RUN_GRACE);
    try (SandboxProcess process = start(limited)) {
      try {
        return process.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw GrpcFailures.of(e.getCause(), "Run of '" + spec.command().get(0) + "'", ref);
      } catch (TimeoutException e) {
        throw new SandboxConnectionException("Run of '" + spec.command().get(0) + "' in sandbox '"
            + ref.sandboxName() + "' did not end within " + wait.toSeconds() + "s although it was "
            + "killed; " + route.hint(), ref.claimName(), ref.namespace(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxInterruptedException("Interrupted while running '" + spec.command().get(0)
          + "' in sandbox '" + ref.sandboxName() + "'; it was killed", ref.claimName(), ref.namespace(), e);
    }
  }

  @Override
  public CompletableFuture<ExecutionResult> runAsync(ProcessSpec spec) {
    ProcessSpec limited = spec.timeout().isPresent() ? spec
        : spec.toBuilder().timeout(settings.runTimeout()).build();
    CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
    SandboxdProcess process;
    try {
      process = begin(limited);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    process.started().whenComplete((id, startFailure) -> {
      if (startFailure != null) {
        result.completeExceptionally(GrpcFailures.of(startFailure, "Start of '" + spec.command().get(0) + "'", ref));
        return;
      }
      process.onExit().whenComplete((exit, failure) -> {
        process.close();
        if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(exit);
        }
      });
    });
    result.whenComplete((ignored, failure) -> {
      if (failure instanceof CancellationException) {
        process.close();
      }
    });
    return result;
  }

  @Override
  public SandboxProcess start(ProcessSpec spec) throws InterruptedException {
    SandboxdProcess process = begin(spec);
    try {
      process.awaitStarted(callTimeout());
      return process;
    } catch (RuntimeException | InterruptedException e) {
      process.close();
      throw e;
    }
  }

  private SandboxdProcess begin(ProcessSpec spec) {
    if (closed) {
      throw new IllegalStateException("the sandbox handle was closed");
    }
    SandboxdRoute.Connection connection = route.connection();
    SandboxdProcess process = SandboxdProcess.begin(stub(connection), spec, ref, callTimeout(),
        settings.maxResponseBytes(), scheduler, failure -> {
          if (GrpcFailures.connectionFailed(failure)) {
            route.failed(connection);
          }
        });
    live.add(process);
    process.onEnd(() -> live.remove(process));
    return process;
  }

  // ---- files ----

  private HttpUrl fileUrl(HttpUrl base, String path) {
    // The whole path as one segment: a '/' travels as %2F and the server decodes it.
    return base.newBuilder().addPathSegment("v1").addPathSegment("files").addPathSegment(path).build();
  }

  /** Sends a request built for the current route; a failed connection drops the route. */
  private Response send(String what, boolean retryable, Function<HttpUrl, Request> request) {
    if (closed) {
      throw new IllegalStateException("the sandbox handle was closed");
    }
    for (int attempt = 1; ; attempt++) {
      SandboxdRoute.Connection connection = route.connection();
      try {
        return http.newCall(request.apply(connection.restUrl())).execute();
      } catch (InterruptedIOException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw new SandboxInterruptedException(what + " in sandbox '" + ref.sandboxName()
              + "' was interrupted", ref.claimName(), ref.namespace(), e);
        }
        route.failed(connection);
        throw new SandboxConnectionException(what + " in sandbox '" + ref.sandboxName() + "' timed out: "
            + e.getMessage() + "; " + route.hint(), ref.claimName(), ref.namespace(), e);
      } catch (IOException e) {
        route.failed(connection);
        if (!retryable || attempt >= 2) {
          throw new SandboxConnectionException(what + " in sandbox '" + ref.sandboxName() + "' failed: "
              + e.getMessage() + "; " + route.hint(), ref.claimName(), ref.namespace(), e);
        }
      }
    }
  }

  /** The exception for an error answer to {@code what} on {@code path}. */
  private SandboxException failure(Response response, String what, String path) {
    String body = "";
    try {
      ResponseBody content = response.body();
      if (content != null) {
        BufferedSource source = content.source();
        source.request(SandboxRequestException.MAX_EXCERPT);
        body = source.getBuffer().snapshot().utf8();
      }
    } catch (IOException e) {
      // The status says enough.
    }
    String message = body;
    try {
      JsonNode error = JSON.readTree(body);
      if (error != null && error.has("message")) {
        message = error.path("code").asText() + ": " + error.path("message").asText();
      }
    } catch (IOException e) {
      // Not JSON: the text is the message.
    }
    if (response.code() == 404) {
      return new SandboxFileNotFoundException(path, body, ref.claimName(), ref.namespace());
    }
    return new SandboxRequestException(response.code(), body, what + " of '" + path + "' in sandbox '"
        + ref.sandboxName() + "' failed with HTTP " + response.code() + (message.isBlank() ? "" : ": "
        + message.strip()), ref.claimName(), ref.namespace());
  }

  @Override
  public void upload(String path, byte[] content, @Nullable String mode) {
    put(path, RequestBody.create(content, OCTET_STREAM), mode);
  }

  @Override
  public void upload(String path, InputStream content) {
    IOException[] readFailure = {null};
    RequestBody streamed = new RequestBody() {
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
        try (Source source = Okio.source(content)) {
          sink.writeAll(source);
        } catch (IOException e) {
          readFailure[0] = e;
          throw e;
        }
      }
    };
    try {
      put(path, streamed, null);
    } catch (SandboxConnectionException e) {
      if (readFailure[0] != null) {
        throw new UncheckedIOException("Cannot read the content to upload to '" + path + "'", readFailure[0]);
      }
      throw e;
    }
  }

  @Override
  public void upload(String path, Path localFile) {
    if (!Files.isRegularFile(localFile) || !Files.isReadable(localFile)) {
      throw new UncheckedIOException(new NoSuchFileException(localFile.toString(), null,
          "not a readable regular file"));
    }
    put(path, RequestBody.create(localFile.toFile(), OCTET_STREAM), null);
  }

  private void put(String path, RequestBody body, @Nullable String mode) {
    try (Response response = send("Write", false, base -> {
      HttpUrl.Builder url = fileUrl(base, path).newBuilder();
      if (mode != null) {
        url.addQueryParameter("mode", mode);
      }
      return new Request.Builder().url(url.build()).put(body).build();
    })) {
      if (!response.isSuccessful()) {
        throw failure(response, "Write", path);
      }
    }
  }

  @Override
  public byte[] download(String path) {
    try (Response response = get(path)) {
      requireFile(response, path);
      ResponseBody body = response.body();
      long limit = settings.maxResponseBytes();
      if (body.contentLength() > limit) {
        throw new SandboxResponseTooLargeException("File '" + path + "'", limit, ref.claimName(), ref.namespace());
      }
      BufferedSource source = body.source();
      if (source.request(limit + 1)) {
        throw new SandboxResponseTooLargeException("File '" + path + "'", limit, ref.claimName(), ref.namespace());
      }
      return source.readByteArray();
    } catch (IOException e) {
      throw new SandboxConnectionException("Reading '" + path + "' from sandbox '" + ref.sandboxName()
          + "' broke off: " + e.getMessage(), ref.claimName(), ref.namespace(), e);
    }
  }

  @Override
  public long download(String path, OutputStream sink) {
    try (Response response = get(path)) {
      requireFile(response, path);
      InputStream in = response.body().byteStream();
      byte[] buffer = new byte[COPY_BUFFER];
      long total = 0;
      int n;
      while (true) {
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          throw new SandboxConnectionException("Download of '" + path + "' from sandbox '"
              + ref.sandboxName() + "' broke off after " + total + " bytes: " + e.getMessage(),
              ref.claimName(), ref.namespace(), e);
        }
        if (n < 0) {
          return total;
        }
        try {
          sink.write(buffer, 0, n);
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot write the download of '" + path + "'", e);
        }
        total += n;
      }
    }
  }

  private Response get(String path) {
    return send("Read", true, base -> new Request.Builder().url(fileUrl(base, path)).get().build());
  }

  private void requireFile(Response response, String path) {
    if (!response.isSuccessful()) {
      SandboxException error = failure(response, "Read", path);
      response.close();
      throw error;
    }
    if (isJson(response)) {
      response.close();
      throw new SandboxRequestException(400, "", "'" + path + "' in sandbox '" + ref.sandboxName()
          + "' is a directory, not a file", ref.claimName(), ref.namespace());
    }
  }

  private static boolean isJson(Response response) {
    String type = response.header("Content-Type", "");
    return type.startsWith("application/json");
  }

  @Override
  public List<FileEntry> list(String path) {
    try (Response response = get(path)) {
      if (!response.isSuccessful()) {
        throw failure(response, "List", path);
      }
      if (!isJson(response)) {
        throw new SandboxRequestException(400, "", "'" + path + "' in sandbox '" + ref.sandboxName()
            + "' is a file, not a directory", ref.claimName(), ref.namespace());
      }
      BufferedSource source = response.body().source();
      long limit = settings.maxResponseBytes();
      if (source.request(limit + 1)) {
        throw new SandboxResponseTooLargeException("Listing of '" + path + "'", limit, ref.claimName(),
            ref.namespace());
      }
      JsonNode listing = JSON.readTree(source.readByteArray());
      List<FileEntry> entries = new ArrayList<>();
      for (JsonNode entry : listing.path("entries")) {
        entries.add(entry(entry, path));
      }
      return entries;
    } catch (IOException e) {
      throw new SandboxConnectionException("Listing '" + path + "' in sandbox '" + ref.sandboxName()
          + "' broke off: " + e.getMessage(), ref.claimName(), ref.namespace(), e);
    }
  }

  private FileEntry entry(JsonNode entry, String path) {
    String type = entry.path("type").asText();
    if (!type.equals("file") && !type.equals("directory")) {
      throw new SandboxException("The listing of '" + path + "' has an entry of unknown type '" + type
          + "'", ref.claimName(), ref.namespace(), null);
    }
    try {
      return new FileEntry(entry.path("name").asText(), entry.path("size").asLong(),
          type.equals("directory") ? FileEntry.Type.DIRECTORY : FileEntry.Type.FILE,
          OffsetDateTime.parse(entry.path("modified_at").asText()).toInstant());
    } catch (DateTimeParseException e) {
      throw new SandboxException("The listing of '" + path + "' has an entry with an invalid time: "
          + e.getMessage(), ref.claimName(), ref.namespace(), e);
    }
  }

  @Override
  public boolean exists(String path) {
    try (Response response = send("Exists check", true,
        base -> new Request.Builder().url(fileUrl(base, path)).head().build())) {
      if (response.code() == 404) {
        return false;
      }
      if (!response.isSuccessful()) {
        throw failure(response, "Exists check", path);
      }
      return true;
    }
  }

  @Override
  public void delete(String path, boolean recursive) {
    try (Response response = send("Delete", false, base -> new Request.Builder()
        .url(fileUrl(base, path).newBuilder().addQueryParameter("recursive", Boolean.toString(recursive)).build())
        .delete().build())) {
      if (!response.isSuccessful()) {
        throw failure(response, "Delete", path);
      }
    }
  }

  @Override
  public OkHttpClient okHttpClient() {
    return http;
  }

  @Override
  public void close() {
    closed = true;
    live.forEach(SandboxdProcess::close);
    route.close();
  }
}
