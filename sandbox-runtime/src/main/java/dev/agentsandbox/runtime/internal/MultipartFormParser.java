package dev.agentsandbox.runtime.internal;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Splits a {@code multipart/form-data} body (RFC 7578, framed as RFC 2046 says) into its parts
 * as it arrives, and streams the first part named {@code file} that has a file name to a
 * {@link FilePart}; every other part is skipped.
 *
 * <p>The file name is taken from the part's {@code Content-Disposition} exactly as sent
 * ({@link HeaderParameters}): {@code ;}, {@code =}, {@code ,}, {@code :} and quotes in it are
 * kept, and an RFC 8187 {@code filename*} is preferred to {@code filename}. Nothing is removed
 * or replaced; whether the name is an acceptable path is decided where it is used.
 *
 * <p>Part headers are bounded ({@value #MAX_HEADER_BYTES} bytes per part); part content is never
 * held beyond the length of the boundary. A malformed body fails the parser: later data is
 * ignored. Used on the request's event loop only.
 */
final class MultipartFormParser {

  /** The most header bytes one part may have. */
  static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};

  private enum State { PREAMBLE, AFTER_DELIMITER, HEADERS, CONTENT, EPILOGUE, FAILED }

  private final byte[] delimiter;
  private final Context context;
  private final Consumer<FilePart> onFile;
  private final Handler<Void> pause;
  private final Handler<Void> resume;
  private State state = State.PREAMBLE;
  // The body so far that is not handled yet; begins with CRLF, so that a delimiter at the very
  // start of the body is found like any other.
  private byte[] held = CRLF.clone();
  private int heldLength = CRLF.length;
  private FilePart current;
  private boolean fileSeen;
  private String failure;

  /**
   * A parser for a body with the given boundary, read on {@code context}.
   *
   * @param onFile called with the file part once its headers are read; its data follows
   * @param pause stops the body while the file part's consumer catches up
   * @param resume lets the body flow again
   */
  MultipartFormParser(String boundary, Context context, Consumer<FilePart> onFile,
      Handler<Void> pause, Handler<Void> resume) {
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.context = context;
    this.onFile = onFile;
    this.pause = pause;
    this.resume = resume;
  }

  /**
   * The boundary of a {@code multipart/form-data} content type.
   *
   * @return the boundary, or null if the type is another or has no valid boundary (1 to 70
   *     characters, RFC 2046)
   */
  static String boundary(String contentType) {
    if (contentType == null) {
      return null;
    }
    try {
      HeaderParameters type = HeaderParameters.parse(contentType);
      String boundary = type.parameters().get("boundary");
      if (!type.value().equals("multipart/form-data") || boundary == null
          || boundary.isEmpty() || boundary.length() > 70
          || !StandardCharsets.US_ASCII.newEncoder().canEncode(boundary)) {
        return null;
      }
      return boundary;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Why the body was rejected, or null while it is well-formed. */
  String failure() {
    return failure;
  }

  /** True once the closing delimiter has been read. */
  boolean complete() {
    return state == State.EPILOGUE;
  }

  /** Takes the next piece of the body. */
  void handle(Buffer chunk) {
    if (state == State.FAILED || state == State.EPILOGUE) {
      return;
    }
    byte[] bytes = chunk.getBytes();
    if (heldLength + bytes.length > held.length) {
      held = Arrays.copyOf(held, Math.max(heldLength + bytes.length, held.length * 2));
    }
    System.arraycopy(bytes, 0, held, heldLength, bytes.length);
    heldLength += bytes.length;
    int used = 0;
    int progress;
    do {
      progress = step(used);
      used += progress;
    } while (progress > 0 && state != State.FAILED && state != State.EPILOGUE);
    if (state == State.EPILOGUE || state == State.FAILED) {
      heldLength = 0;
    } else {
      System.arraycopy(held, used, held, 0, heldLength - used);
      heldLength -= used;
    }
  }

  /** The body is over: a file part still open was cut off; it ends with an error. */
  void end() {
    if (state != State.EPILOGUE && state != State.FAILED) {
      fail("the request body ended before the closing multipart boundary");
    }
  }

  /** Handles what it can from {@code held[from..]}; returns the number of bytes used. */
  private int step(int from) {
    int available = heldLength - from;
    switch (state) {
      case PREAMBLE, CONTENT -> {
        int at = indexOf(held, from, heldLength, delimiter);
        int contentEnd = at >= 0 ? at : Math.max(from, heldLength - (delimiter.length - 1));
        if (current != null && contentEnd > from) {
          current.data(Buffer.buffer(Arrays.copyOfRange(held, from, contentEnd)));
        }
        if (at < 0) {
          return contentEnd - from;
        }
        if (current != null) {
          FilePart ended = current;
          current = null;
          ended.end();
        }
        state = State.AFTER_DELIMITER;
        return at + delimiter.length - from;
      }
      case AFTER_DELIMITER -> {
        if (available >= 2 && held[from] == '-' && held[from + 1] == '-') {
          state = State.EPILOGUE;
          return 2;
        }
        int i = from;
        while (i < heldLength && (held[i] == ' ' || held[i] == '\t')) {
          i++; // transport padding
        }
        if (i - from > 1024) {
          fail("a multipart boundary line is too long");
          return 0;
        }
        if (heldLength - i < 2) {
          return 0;
        }
        if (held[i] != '\r' || held[i + 1] != '\n') {
          fail("a multipart boundary is not followed by a line break");
          return 0;
        }
        state = State.HEADERS;
        return i + 2 - from;
      }
      case HEADERS -> {
        // Headers may be empty: the blank line then follows the boundary line at once.
        int end = available >= 2 && held[from] == '\r' && held[from + 1] == '\n'
            ? from - 2 : indexOf(held, from, heldLength, HEADERS_END);
        if (end < 0) {
          if (available > MAX_HEADER_BYTES) {
            fail("the headers of a part are longer than " + MAX_HEADER_BYTES + " bytes");
          }
          return 0;
        }
        if (end - from > MAX_HEADER_BYTES) {
          fail("the headers of a part are longer than " + MAX_HEADER_BYTES + " bytes");
          return 0;
        }
        String headers;
        try {
          headers = end <= from ? ""
              : HeaderParameters.decode(Arrays.copyOfRange(held, from, end), StandardCharsets.UTF_8);
          startPart(headers);
        } catch (IllegalArgumentException e) {
          fail("malformed part headers: " + e.getMessage());
          return 0;
        }
        state = State.CONTENT;
        return end + HEADERS_END.length - from;
      }
      default -> {
        return 0;
      }
    }
  }

  private void startPart(String headers) {
    String disposition = null;
    for (String line : headers.split("\r\n(?![ \t])")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-disposition")) {
        if (disposition != null) {
          throw new IllegalArgumentException("Content-Disposition given twice");
        }
        disposition = line.substring(colon + 1).replace("\r\n", "").trim();
      }
    }
    if (disposition == null || fileSeen) {
      return;
    }
    HeaderParameters parsed = HeaderParameters.parse(disposition);
    Map<String, String> parameters = parsed.parameters();
    if (!parsed.value().equals("form-data") || !"file".equals(parameters.get("name"))) {
      return;
    }
    String extended = parameters.get("filename*");
    String filename = extended != null ? HeaderParameters.decodeExtended(extended)
        : parameters.get("filename");
    if (filename == null) {
      return; // a plain form field named 'file', not a file
    }
    fileSeen = true;
    current = new FilePart(filename, context, pause, resume);
    onFile.accept(current);
  }

  private void fail(String reason) {
    state = State.FAILED;
    failure = reason.substring(0, 1).toUpperCase(Locale.ROOT) + reason.substring(1);
    if (current != null) {
      FilePart failed = current;
      current = null;
      failed.fail(new UploadReceiver.IncompleteUploadException("The upload body is malformed "
          + "or was cut off: " + reason));
    }
  }

  private static int indexOf(byte[] haystack, int from, int to, byte[] needle) {
    byte first = needle[0];
    for (int i = from; i <= to - needle.length; i++) {
      if (haystack[i] != first) {
        continue;
      }
      int j = 1;
      while (j < needle.length && haystack[i + j] == needle[j]) {
        j++;
      }
      if (j == needle.length) {
        return i;
      }
    }
    return -1;
  }
}
