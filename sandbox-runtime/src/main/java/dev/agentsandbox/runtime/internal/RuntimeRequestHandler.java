package dev.agentsandbox.runtime.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the runtime HTTP API on Vert.x core. Responses mirror the reference runtime (FastAPI):
 * the same status codes and JSON shapes, {@code {"detail": ...}} for protocol errors and
 * {@code {"message": ...}} for file errors.
 *
 * <p>Request handling never blocks the event loop, which is shared with other runtimes: files
 * are found and opened on the runtime's own {@link FileWorkers}, each such step answered by a
 * deadline, file content is read and written on Vert.x worker threads, and commands run on the
 * {@link CommandRunner}'s pool. A request body that stops arriving for the body idle timeout
 * gets {@code 408} and its connection is closed.
 */
public final class RuntimeRequestHandler implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(RuntimeRequestHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";
  /** A command line is bounded by the kernel's argument limit anyway; this is far above it. */
  private static final int MAX_EXECUTE_BODY = 8 * 1024 * 1024;
  private static final String DOWNLOAD = "/download/";
  private static final String LIST = "/list/";
  private static final String EXISTS = "/exists/";

  private final Vertx vertx;
  private final ConfinedPaths paths;
  private final CommandRunner commands;
  private final FileWorkers files;
  private final Duration bodyIdleTimeout;

  /**
   * Serves files under {@code paths}, finding and opening them on {@code files}, and runs
   * commands with {@code commands}; ends requests whose body pauses for {@code bodyIdleTimeout}.
   */
  public RuntimeRequestHandler(Vertx vertx, ConfinedPaths paths, CommandRunner commands,
      FileWorkers files, Duration bodyIdleTimeout) {
    this.vertx = vertx;
    this.paths = paths;
    this.commands = commands;
    this.files = files;
    this.bodyIdleTimeout = bodyIdleTimeout;
  }

  @Override
  public void handle(HttpServerRequest request) {
    // The raw path: percent-escapes intact and no dot-segment removal, so "..", "%2F" and
    // "%2E%2E" reach the confinement check exactly as the client sent them.
    String path = request.path();
    HttpMethod method = request.method();
    boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    try {
      if (path.equals("/")) {
        if (get) {
          health(request);
        } else {
          methodNotAllowed(request, "GET");
        }
      } else if (path.equals("/execute")) {
        if (method.equals(HttpMethod.POST)) {
          execute(request);
        } else {
          methodNotAllowed(request, "POST");
        }
      } else if (path.equals("/upload")) {
        if (method.equals(HttpMethod.POST)) {
          upload(request);
        } else {
          methodNotAllowed(request, "POST");
        }
      } else if (path.startsWith(DOWNLOAD)) {
        ifGet(request, get, () -> download(request, decode(path.substring(DOWNLOAD.length()))));
      } else if (path.startsWith(LIST)) {
        ifGet(request, get, () -> list(request, decode(path.substring(LIST.length()))));
      } else if (path.startsWith(EXISTS)) {
        ifGet(request, get, () -> exists(request, decode(path.substring(EXISTS.length()))));
      } else {
        send(request, 404, detail("Not Found"));
      }
    } catch (RuntimeException e) {
      LOG.error("Failed to handle {} {}", method, path, e);
      send(request, 500, detail("Internal Server Error"));
    }
  }

  private void ifGet(HttpServerRequest request, boolean get, Runnable action) {
    if (get) {
      action.run();
    } else {
      methodNotAllowed(request, "GET");
    }
  }

  private void health(HttpServerRequest request) {
    ObjectNode body = JSON.createObjectNode();
    body.put("status", "ok");
    body.put("message", "Sandbox Runtime is active.");
    send(request, 200, body);
  }

  private void execute(HttpServerRequest request) {
    Buffer body = Buffer.buffer();
    boolean[] tooLarge = {false};
    BodyIdleTimer idle = new BodyIdleTimer(vertx, bodyIdleTimeout,
        () -> bodyStalled(request, null, false));
    request.exceptionHandler(e -> idle.stop());
    request.handler(chunk -> {
      idle.touch();
      if (tooLarge[0]) {
        return;
      }
      if (body.length() + chunk.length() > MAX_EXECUTE_BODY) {
        tooLarge[0] = true;
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> {
      idle.stop();
      if (tooLarge[0]) {
        send(request, 413, detail("Request body larger than " + MAX_EXECUTE_BODY + " bytes"));
        return;
      }
      ExecuteRequest parsed;
      try {
        parsed = command(body);
      } catch (IllegalArgumentException e) {
        send(request, 422, detail(e.getMessage()));
        return;
      }
      Context context = vertx.getOrCreateContext();
      CompletableFuture<CommandResult> running = commands.run(parsed.command(), parsed.timeout());
      // A client that goes away takes no answer: its command is killed and its slot freed.
      request.response().closeHandler(closed -> running.cancel(false));
      running.whenComplete((result, error) -> {
        if (result != null) {
          ExecResponse.send(request, result, context, commands.blockingExecutor(),
              commands.timeout());
        } else if (!(error instanceof CancellationException)) {
          LOG.error("Command failed unexpectedly", error);
          send(request, 500, detail("Internal Server Error"));
        }
      });
    });
  }

  /** A {@code POST /execute} body: the command and the client's optional timeout. */
  private record ExecuteRequest(String command, Duration timeout) {
  }

  private static ExecuteRequest command(Buffer body) {
    if (body.length() == 0) {
      throw new IllegalArgumentException("Request body is missing: expected a JSON object like "
          + "{\"command\": \"ls -la\"}");
    }
    JsonNode json;
    try {
      json = JSON.readTree(body.getBytes());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Request body is not valid JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("Request body is not valid JSON: " + e.getMessage());
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("Request body must be a JSON object with a string field "
          + "'command'");
    }
    JsonNode command = json.get("command");
    if (command == null || command.isNull()) {
      throw new IllegalArgumentException("Field required: 'command'");
    }
    if (!command.isTextual()) {
      throw new IllegalArgumentException("Field 'command' must be a string");
    }
    return new ExecuteRequest(command.textValue(), timeout(json.get("timeout")));
  }

  /**
   * The optional {@code timeout} (seconds, as the client's own): an extension the reference
   * runtime ignores, which lets a command end with its client's wait even when the client's
   * disconnect does not reach the runtime.
   */
  private static Duration timeout(JsonNode timeout) {
    if (timeout == null || timeout.isNull()) {
      return null;
    }
    double seconds = timeout.isNumber() ? timeout.doubleValue() : Double.NaN;
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("Field 'timeout' must be a positive number of seconds");
    }
    return seconds >= Long.MAX_VALUE / 1e9 ? null : Duration.ofNanos((long) (seconds * 1e9));
  }

  private void upload(HttpServerRequest request) {
    UploadReceiver[] receiver = {null};
    BodyIdleTimer idle = new BodyIdleTimer(vertx, bodyIdleTimeout,
        () -> bodyStalled(request, receiver[0], true));
    String boundary = MultipartFormParser.boundary(request.getHeader(HttpHeaders.CONTENT_TYPE));
    // Our own parser rather than Vert.x's: that one blanks ; = : , in file names.
    MultipartFormParser parser = boundary == null ? null : new MultipartFormParser(boundary,
        vertx.getOrCreateContext(), part -> {
          receiver[0] = new UploadReceiver(paths, files, idle, part);
          receiver[0].start();
        },
        v -> request.pause(), v -> request.resume());
    request.handler(chunk -> {
      idle.touch();
      if (parser != null) {
        parser.handle(chunk);
      }
    });
    request.exceptionHandler(e -> {
      idle.stop();
      LOG.debug("Upload aborted: {}", e.toString());
      if (receiver[0] != null) {
        receiver[0].fail(new UploadReceiver.IncompleteUploadException(
            "The upload body is malformed or was cut off: " + e.getMessage()));
      }
    });
    request.response().closeHandler(v -> {
      idle.stop();
      if (receiver[0] != null) {
        receiver[0].fail(new UploadReceiver.IncompleteUploadException("The connection closed"));
      }
    });
    request.endHandler(v -> {
      idle.stop();
      if (parser != null) {
        parser.end();
      }
      UploadReceiver upload = receiver[0];
      if (upload == null) {
        String why = parser == null || parser.failure() == null ? "" : parser.failure() + ". ";
        send(request, 400, message(why + "No file uploaded: expected a multipart/form-data part "
            + "named 'file' whose filename is the destination path"));
        return;
      }
      upload.requestEnded();
      upload.stored().onComplete(ar -> {
        String filename = upload.filename();
        if (ar.succeeded()) {
          send(request, 200, message("File '" + filename + "' uploaded successfully."));
        } else if (ar.cause() instanceof UploadReceiver.IncompleteUploadException) {
          send(request, 400, message(ar.cause().getMessage()));
        } else {
          fileError(request, ar.cause(), "File upload");
        }
      });
    });
  }

  private void download(HttpServerRequest request, String given) {
    files.submit("Download of '" + given + "'", () -> FileDownload.open(vertx, paths, given),
        download -> {
          if (download != null) {
            download.discard();
          }
        }).onComplete(ar -> {
      if (ar.failed() && !(ar.cause() instanceof NoSuchFileException)) {
        fileError(request, ar.cause(), "Download");
      } else if (ar.failed() || ar.result() == null) {
        send(request, 404, message("File not found"));
      } else {
        ar.result().send(request, contentDisposition(given));
      }
    });
  }

  private void list(HttpServerRequest request, String given) {
    files.submit("Listing of '" + given + "'", () -> DirectoryListing.list(paths, given),
        ignored -> { }).onComplete(ar -> {
      if (ar.failed() && !(ar.cause() instanceof NoSuchFileException)) {
        fileError(request, ar.cause(), "List files");
      } else if (ar.failed() || ar.result() == null) {
        send(request, 404, message("Path is not a directory"));
      } else {
        ArrayNode entries = JSON.createArrayNode();
        for (DirectoryListing.Entry e : ar.result()) {
          ObjectNode entry = entries.addObject();
          entry.put("name", e.name());
          entry.put("size", e.size());
          entry.put("type", e.directory() ? "directory" : "file");
          entry.put("mod_time", e.modifiedMicros() / 1e6);
        }
        send(request, 200, entries);
      }
    });
  }

  private void exists(HttpServerRequest request, String given) {
    files.submit("Exists check of '" + given + "'", () -> {
      try (ConfinedPaths.Location location = paths.locate(given)) {
        return location.exists();
      } catch (NoSuchFileException e) {
        return false; // removed while walked
      }
    }, ignored -> { }).onComplete(ar -> {
      if (ar.failed()) {
        fileError(request, ar.cause(), "Exists check");
        return;
      }
      ObjectNode body = JSON.createObjectNode();
      body.put("path", given);
      body.put("exists", ar.result());
      send(request, 200, body);
    });
  }

  private static void fileError(HttpServerRequest request, Throwable error, String operation) {
    if (error instanceof AccessDeniedException) {
      send(request, 403, message("Access denied"));
    } else if (error instanceof ConfinedPaths.ChangedWhileOpenedException) {
      send(request, 400, message(operation + " failed: " + error.getMessage()));
    } else if (error instanceof FileWorkers.DeadlineException) {
      LOG.warn("{} failed: {}", operation, error.getMessage());
      send(request, 503, message(error.getMessage()));
    } else {
      LOG.warn("{} failed: {}", operation, error.toString());
      send(request, 500, message(operation + " failed: " + error.getMessage()));
    }
  }

  /**
   * Answers a request whose body stopped arriving with {@code 408} once its upload, if any, is
   * cleaned up, and closes the connection: the rest of the body will not be read.
   */
  private void bodyStalled(HttpServerRequest request, UploadReceiver upload, boolean fileApi) {
    String text = "No request data received for " + bodyIdleTimeout.toMillis()
        + " ms; the request was abandoned";
    LOG.debug("{} {}: {}", request.method(), request.path(), text);
    Future<Void> cleaned = Future.succeededFuture();
    if (upload != null) {
      upload.fail(new UploadReceiver.IncompleteUploadException(text));
      cleaned = upload.stored().otherwiseEmpty();
    }
    cleaned.onComplete(v -> {
      HttpServerResponse response = request.response();
      if (response.ended() || response.closed()) {
        request.connection().close();
        return;
      }
      response.putHeader("connection", "close");
      send(request, 408, fileApi ? message(text) : detail(text))
          .onComplete(sent -> request.connection().close());
    });
  }

  private static void methodNotAllowed(HttpServerRequest request, String allowed) {
    request.response().putHeader("allow", allowed);
    send(request, 405, detail("Method Not Allowed"));
  }

  static ObjectNode detail(String text) {
    ObjectNode node = JSON.createObjectNode();
    node.put("detail", text);
    return node;
  }

  private static ObjectNode message(String text) {
    ObjectNode node = JSON.createObjectNode();
    node.put("message", text);
    return node;
  }

  /** Sends a JSON response; safe from any thread, a no-op if the client is gone. */
  static Future<Void> send(HttpServerRequest request, int status, Object body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialise response", e);
    }
    HttpServerResponse response = request.response();
    try {
      return response.setStatusCode(status)
          .putHeader("content-type", JSON_TYPE)
          .end(Buffer.buffer(bytes));
    } catch (IllegalStateException e) {
      // The connection was closed, or a response already went out.
      return Future.failedFuture(e);
    }
  }

  /**
   * Decodes %XX escapes (as UTF-8, malformed sequences replaced) but, unlike form decoding, leaves
   * {@code +} alone; a {@code %} not followed by two hex digits is kept literally.
   */
  static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) >= 0
          && hex(raw.charAt(i + 2)) >= 0) {
        bytes.write(hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
        i += 2;
      } else if (c <= 0xff) {
        // Netty hands over the request line byte by byte (ISO-8859-1).
        bytes.write(c);
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  /** As Starlette's FileResponse: a quoted filename if it is plain, RFC 5987 otherwise. */
  private static String contentDisposition(String filename) {
    StringBuilder encoded = new StringBuilder();
    boolean plain = true;
    for (byte b : filename.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
        encoded.append((char) c);
      } else {
        plain = false;
        encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return plain
        ? "attachment; filename=\"" + filename + "\""
        : "attachment; filename*=utf-8''" + encoded;
  }
}
