package dev.agentsandbox.runtime.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sandboxd's REST API: {@code /v1/files/{path}} (GET, HEAD, PUT, DELETE), {@code /v1/health} and
 * {@code /v1/metadata}. Every error is answered with {@code {"code": ..., "message": ...}}.
 *
 * <p>Paths are confined to the base directory as in the legacy file API ({@link ConfinedPaths}):
 * the whole path is percent-decoded, links are followed only within the base directory, and
 * anything leading outside is {@code 403 PERMISSION_DENIED}. Writes are atomic (a temporary file
 * renamed over the destination, {@link UploadReceiver}); recursive deletes never follow a link.
 */
public final class SandboxdRestHandler implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxdRestHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILES = "/v1/files/";
  private static final Pattern MODE = Pattern.compile("^0[0-7]{3}$");
  private static final String DEFAULT_MODE = "0644";
  private static final String METADATA_PREFIX = "SANDBOX_";
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  /** RFC 3339 in UTC with whole seconds: {@code 2026-08-21T10:15:30Z}. */
  private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
  /** Variables never shown as metadata, whatever their prefix: names holding one of these. */
  private static final List<String> SENSITIVE = List.of("TOKEN", "SECRET", "PASSWORD", "PASSWD",
      "CRED", "KEY", "AUTH", "BEARER", "PRIVATE", "CERT");

  private final Vertx vertx;
  private final ConfinedPaths paths;
  private final FileWorkers files;
  private final Duration bodyIdleTimeout;
  private final Map<String, String> metadata;
  private final BooleanSupplier shuttingDown;
  private final long startedNanos = System.nanoTime();

  /**
   * @param environment the environment commands get; its {@code SANDBOX_} variables are the
   *     metadata
   * @param shuttingDown whether health should answer 503
   */
  public SandboxdRestHandler(Vertx vertx, ConfinedPaths paths, FileWorkers files,
      Duration bodyIdleTimeout, Map<String, String> environment, BooleanSupplier shuttingDown) {
    this.vertx = vertx;
    this.paths = paths;
    this.files = files;
    this.bodyIdleTimeout = bodyIdleTimeout;
    Map<String, String> allowed = new TreeMap<>();
    environment.forEach((name, value) -> {
      String upper = name.toUpperCase(Locale.ROOT);
      if (name.startsWith(METADATA_PREFIX) && SENSITIVE.stream().noneMatch(upper::contains)) {
        allowed.put(name, value);
      }
    });
    this.metadata = Map.copyOf(allowed);
    this.shuttingDown = shuttingDown;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String path = request.path();
    HttpMethod method = request.method();
    try {
      if (path.equals("/v1/health")) {
        only(request, List.of(HttpMethod.GET), this::health);
      } else if (path.equals("/v1/metadata")) {
        only(request, List.of(HttpMethod.GET), this::metadata);
      } else if (path.startsWith(FILES) || path.equals("/v1/files")) {
        String given = decode(path.length() > FILES.length() ? path.substring(FILES.length()) : "");
        if (given == null) {
          error(request, 400, "INVALID_ARGUMENT", "the path is not valid percent-encoded UTF-8");
        } else if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
          read(request, given);
        } else if (method.equals(HttpMethod.PUT)) {
          write(request, given);
        } else if (method.equals(HttpMethod.DELETE)) {
          delete(request, given);
        } else {
          request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD, PUT, DELETE");
          error(request, 405, "METHOD_NOT_ALLOWED", method + " is not allowed on files");
        }
      } else {
        error(request, 404, "NOT_FOUND", "no such endpoint");
      }
    } catch (RuntimeException e) {
      LOG.error("Failed to handle {} {}", method, path, e);
      error(request, 500, "INTERNAL", "internal error");
    }
  }

  private static void only(HttpServerRequest request, List<HttpMethod> methods,
      Handler<HttpServerRequest> action) {
    if (methods.contains(request.method())) {
      action.handle(request);
    } else {
      request.response().putHeader(HttpHeaders.ALLOW, "GET");
      error(request, 405, "METHOD_NOT_ALLOWED", request.method() + " is not allowed here");
    }
  }

  /** The whole path percent-decoded ({@code %2F} becomes a separator); null if malformed. */
  private static String decode(String raw) {
    try {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void health(HttpServerRequest request) {
    if (shuttingDown.getAsBoolean()) {
      error(request, 503, "UNAVAILABLE", "the sandbox is shutting down");
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("status", "ok");
    body.put("uptime_seconds", Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds());
    send(request, 200, body);
  }

  private void metadata(HttpServerRequest request) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode env = body.putObject("env");
    metadata.forEach(env::put);
    send(request, 200, body);
  }

  private void read(HttpServerRequest request, String given) {
    files.submit("Reading '" + given + "'", () -> {
      try (ConfinedPaths.Location location = paths.locate(given)) {
        if (!location.exists()) {
          return null;
        }
        if (location.isDirectory()) {
          return listing(location, given);
        }
      }
      return FileDownload.open(vertx, paths, given);
    }, found -> {
      if (found instanceof FileDownload download) {
        download.discard();
      }
    }).onComplete(ar -> {
      if (ar.failed()) {
        fileError(request, ar.cause(), "Read");
      } else if (ar.result() == null) {
        error(request, 404, "NOT_FOUND", "path does not exist within the sandbox: " + given);
      } else if (ar.result() instanceof FileDownload download) {
        download.send(request, "attachment");
      } else {
        Buffer body = Buffer.buffer(ar.result().toString());
        request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
        if (request.method().equals(HttpMethod.HEAD)) {
          request.response().setStatusCode(200).end();
        } else {
          request.response().setStatusCode(200).end(body);
        }
      }
    });
  }

  private ObjectNode listing(ConfinedPaths.Location location, String given) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("path", given.startsWith("/") ? given : "/" + given);
    ArrayNode entries = body.putArray("entries");
    String relative = location.relativePath();
    for (DirectoryListing.Entry entry : DirectoryListing.list(paths, relative, true)) {
      ObjectNode item = entries.addObject();
      item.put("name", entry.name());
      item.put("size", entry.size());
      item.put("type", entry.directory() ? "directory" : "file");
      item.put("modified_at", RFC_3339.format(Instant.EPOCH.plus(entry.modifiedMicros(), ChronoUnit.MICROS)
          .truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC)));
      if (entry.permissions() != null) {
        item.put("mode", mode(entry.permissions()));
      }
    }
    return body;
  }

  /** {@code 0644} for rw-r--r--. */
  static String mode(Set<PosixFilePermission> permissions) {
    int bits = 0;
    for (PosixFilePermission permission : permissions) {
      bits |= 1 << (8 - permission.ordinal());
    }
    return String.format("0%03o", bits);
  }

  /** rw-r--r-- for {@code 0644}. */
  static Set<PosixFilePermission> permissions(String mode) {
    int bits = Integer.parseInt(mode.substring(1), 8);
    StringBuilder text = new StringBuilder();
    String letters = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      text.append((bits & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(text.toString());
  }

  private void write(HttpServerRequest request, String given) {
    String mode = request.getParam("mode", DEFAULT_MODE);
    if (!MODE.matcher(mode).matches()) {
      error(request, 400, "INVALID_ARGUMENT", "mode must be an octal file mode such as 0644, got '"
          + printable(mode) + "'");
      return;
    }
    if (given.isEmpty() || given.endsWith("/")) {
      error(request, 400, "INVALID_ARGUMENT", "target path is a directory");
      return;
    }
    UploadReceiver[] receiver = {null};
    BodyIdleTimer idle = new BodyIdleTimer(vertx, bodyIdleTimeout, () -> {
      if (receiver[0] != null) {
        receiver[0].fail(new UploadReceiver.IncompleteUploadException("No request data received for "
            + bodyIdleTimeout.toMillis() + " ms; the upload was abandoned"));
      }
      request.connection().close();
    });
    Set<PosixFilePermission> permissions = permissions(mode);
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    String boundary = contentType != null && contentType.startsWith("multipart/")
        ? MultipartFormParser.boundary(contentType) : null;
    Handler<Buffer> body;
    Runnable bodyEnded;
    if (boundary != null) {
      MultipartFormParser parser = new MultipartFormParser(boundary, vertx.getOrCreateContext(),
          part -> {
            receiver[0] = new UploadReceiver(paths, files, idle, part, given, permissions);
            receiver[0].start();
          }, v -> request.pause(), v -> request.resume());
      body = parser::handle;
      bodyEnded = parser::end;
    } else {
      FilePart raw = new FilePart(given, vertx.getOrCreateContext(), v -> request.pause(),
          v -> request.resume());
      receiver[0] = new UploadReceiver(paths, files, idle, raw, given, permissions);
      receiver[0].start();
      body = raw::data;
      bodyEnded = raw::end;
    }
    request.handler(chunk -> {
      idle.touch();
      body.handle(chunk);
    });
    request.exceptionHandler(e -> {
      idle.stop();
      if (receiver[0] != null) {
        receiver[0].fail(new UploadReceiver.IncompleteUploadException("the upload was cut off"));
      }
    });
    request.endHandler(v -> {
      idle.stop();
      bodyEnded.run();
      UploadReceiver upload = receiver[0];
      if (upload == null) {
        error(request, 400, "INVALID_ARGUMENT", "a multipart upload needs a part named 'file'");
        return;
      }
      upload.requestEnded();
      upload.stored().onComplete(ar -> {
        if (ar.succeeded()) {
          request.response().setStatusCode(204).end();
        } else if (ar.cause() instanceof UploadReceiver.IncompleteUploadException) {
          error(request, 400, "INVALID_ARGUMENT", ar.cause().getMessage());
        } else if (ar.cause() instanceof UploadReceiver.DirectoryDestinationException) {
          error(request, 400, "INVALID_ARGUMENT", "target path is a directory");
        } else {
          fileError(request, ar.cause(), "Write");
        }
      });
    });
  }

  private void delete(HttpServerRequest request, String given) {
    String recursiveParam = request.getParam("recursive", "false");
    if (!recursiveParam.equals("true") && !recursiveParam.equals("false")) {
      error(request, 400, "INVALID_ARGUMENT", "recursive must be true or false");
      return;
    }
    boolean recursive = recursiveParam.equals("true");
    files.submit("Deleting '" + given + "'", () -> {
      try (ConfinedPaths.Location location = paths.locate(given)) {
        if (!location.exists()) {
          return false;
        }
        if (location.entry() == null) {
          // The root itself: emptied on request, never removed.
          if (!recursive) {
            throw new DirectoryNotEmptyException(given);
          }
          try (SecureDirectoryStream<Path> root = location.openDirectory()) {
            for (Path entry : root) {
              deleteTree(root, entry.getFileName());
            }
          }
          return true;
        }
        SecureDirectoryStream<Path> parent = location.parent();
        if (location.isDirectory()) {
          if (recursive) {
            deleteTree(parent, location.entry());
          } else {
            parent.deleteDirectory(location.entry());
          }
        } else {
          parent.deleteFile(location.entry());
        }
        return true;
      }
    }, ignored -> { }).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof DirectoryNotEmptyException) {
        error(request, 409, "CONFLICT", given.isEmpty()
            ? "cannot delete the sandbox root; pass recursive=true to empty it"
            : "the directory is not empty: " + given + "; pass recursive=true to delete it");
      } else if (ar.failed()) {
        fileError(request, ar.cause(), "Delete");
      } else if (!ar.result()) {
        error(request, 404, "NOT_FOUND", "path does not exist within the sandbox: " + given);
      } else {
        request.response().setStatusCode(204).end();
      }
    });
  }

  /** Deletes {@code name} in {@code dir} with everything under it, never following a link. */
  private static void deleteTree(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    BasicFileAttributes attributes = ConfinedPaths.lstat(dir, name);
    if (attributes == null) {
      return;
    }
    if (!attributes.isDirectory()) {
      dir.deleteFile(name);
      return;
    }
    try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, NOFOLLOW)) {
      for (Path entry : child) {
        deleteTree(child, entry.getFileName());
      }
    }
    dir.deleteDirectory(name);
  }

  private static void fileError(HttpServerRequest request, Throwable error, String operation) {
    if (error instanceof AccessDeniedException) {
      error(request, 403, "PERMISSION_DENIED",
          "path traversal outside sandbox root is forbidden, or access is denied");
    } else if (error instanceof NoSuchFileException) {
      error(request, 404, "NOT_FOUND", "no such file or directory");
    } else if (error instanceof FileWorkers.DeadlineException) {
      error(request, 503, "UNAVAILABLE", error.getMessage());
    } else if (error instanceof FileSystemException e && e.getReason() != null) {
      error(request, 500, "INTERNAL", operation + " failed: " + e.getReason());
    } else {
      LOG.warn("{} failed: {}", operation, error.toString());
      error(request, 500, "INTERNAL", operation + " failed: " + error.getMessage());
    }
  }

  private static String printable(String text) {
    String shown = text.replaceAll("[^\\x20-\\x7e]", "?");
    return shown.length() > 32 ? shown.substring(0, 32) + "..." : shown;
  }

  private static void error(HttpServerRequest request, int status, String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", code);
    body.put("message", message);
    send(request, status, body);
  }

  private static void send(HttpServerRequest request, int status, ObjectNode body) {
    if (request.response().ended()) {
      return;
    }
    Buffer bytes = Buffer.buffer(body.toString());
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(bytes.length()));
    if (request.method().equals(HttpMethod.HEAD)) {
      request.response().end();
    } else {
      request.response().end(bytes);
    }
  }
}
