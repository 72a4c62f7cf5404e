package dev.agentsandbox.runtime.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the answer to a {@code POST /execute}. A small answer is built in memory; a large one is
 * encoded while it is sent, from the spooled output, with flow control, so that neither the raw
 * output nor its JSON form (up to six times as long) is ever held in memory. Whatever happens,
 * the request is answered (a 500 if nothing was sent yet, else a reset connection) and the result
 * is closed, which frees the command's slot.
 */
final class ExecResponse {
  private static final Logger LOG = LoggerFactory.getLogger(ExecResponse.class);
  /** Leaves a broken-off answer unterminated rather than closing its object. */
  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT).build();
  private static final int CHUNK = 64 * 1024;
  /** Encoded bytes allowed on their way to the connection before the encoder waits. */
  private static final long MAX_PENDING = 4 * CHUNK;

  private ExecResponse() {
  }

  /**
   * Answers {@code request} with {@code result} and closes it. Never throws.
   *
   * @param context the request's context, where every write to its response happens
   * @param blocking where a large answer is encoded
   * @param stallTimeout longest a large answer waits for the client to take more
   */
  static void send(HttpServerRequest request, CommandResult result, Context context,
      Executor blocking, Duration stallTimeout) {
    try {
      if (result.small()) {
        ExecResult body = result.toExecResult();
        result.close();
        RuntimeRequestHandler.send(request, 200, body);
        return;
      }
      blocking.execute(() -> stream(request, result, context, stallTimeout));
    } catch (OutOfMemoryError | RuntimeException e) {
      result.close();
      fail(request, e);
    }
  }

  private static void stream(HttpServerRequest request, CommandResult result, Context context,
      Duration stallTimeout) {
    ResponseStream out = new ResponseStream(request.response(), context, stallTimeout);
    try (result) {
      try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
        json.writeStartObject();
        json.writeFieldName("stdout");
        json.writeString(text(result.stdout()), -1);
        json.writeFieldName("stderr");
        json.writeString(text(result.stderr()), -1);
        json.writeNumberField("exit_code", result.exitCode());
        json.writeEndObject();
      }
      out.finish();
    } catch (IOException | OutOfMemoryError | RuntimeException e) {
      // After the writes already handed to the context.
      try {
        context.runOnContext(v -> fail(request, e));
      } catch (RuntimeException closed) {
        fail(request, e);
      }
    }
  }

  /** Answers a 500 if nothing was sent yet, else breaks the connection off. */
  private static void fail(HttpServerRequest request, Throwable e) {
    HttpServerResponse response = request.response();
    try {
      if (response.closed()) {
        LOG.debug("Client of a command went away before its answer was sent: {}", e.toString());
      } else if (!response.headWritten()) {
        LOG.error("Cannot answer a command", e);
        RuntimeRequestHandler.send(request, 500,
            RuntimeRequestHandler.detail("Cannot send the command's answer: " + e));
      } else {
        LOG.warn("Answer of a command broke off: {}", e.toString());
        response.reset();
      }
    } catch (RuntimeException | OutOfMemoryError again) {
      LOG.error("Cannot answer a command", again);
    }
  }

  /** The output decoded as the reference runtime does (see {@link CommandRunner#decode}). */
  private static Reader text(OutputSpool spool) throws IOException {
    return new UniversalNewlines(new InputStreamReader(spool.open(), StandardCharsets.UTF_8));
  }

  /**
   * Turns {@code \r\n} and lone {@code \r} into {@code \n}, and never ends a read between the
   * two halves of a surrogate pair, so the JSON encoder sees every pair whole.
   */
  static final class UniversalNewlines extends FilterReader {
    private boolean afterCarriageReturn;
    private int heldBack = -1;

    UniversalNewlines(Reader in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      char[] one = new char[1];
      return read(one, 0, 1) == -1 ? -1 : one[0];
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      int count = 0;
      while (count == 0) {
        int start = offset;
        int room = length;
        if (heldBack >= 0) {
          buffer[offset] = (char) heldBack;
          heldBack = -1;
          start++;
          room--;
        }
        int n = room == 0 ? 0 : in.read(buffer, start, room);
        if (n == -1) {
          if (start == offset) {
            return -1;
          }
          n = 0;
        }
        int end = start + n;
        int write = offset;
        for (int i = offset; i < end; i++) {
          char c = buffer[i];
          if (c == '\n' && afterCarriageReturn && i >= start) {
            afterCarriageReturn = false;
            continue;
          }
          afterCarriageReturn = c == '\r';
          buffer[write++] = c == '\r' ? '\n' : c;
        }
        count = write - offset;
        if (count > 0 && Character.isHighSurrogate(buffer[offset + count - 1]) && n > 0) {
          if (count == 1) {
            // Alone: read on so the pair goes out whole.
            heldBack = buffer[offset];
            count = 0;
            continue;
          }
          heldBack = buffer[offset + count - 1];
          count--;
        }
      }
      return count;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  /**
   * Chunks of the JSON answer to the response, from a thread that may block. Every write to the
   * response happens on the request's context, in order; the encoding thread waits while more
   * than {@link #MAX_PENDING} bytes are on their way, at most {@code stallTimeout} at a time.
   */
  private static final class ResponseStream extends OutputStream {
    private final HttpServerResponse response;
    private final Context context;
    private final long stallNanos;
    private final Object lock = new Object();
    private Buffer chunk = Buffer.buffer(CHUNK);
    private boolean started;
    /** Bytes handed to the context and not yet written to the connection; guarded by lock. */
    private long pending;
    /** Why the answer cannot go on; guarded by lock. */
    private Throwable broken;

    ResponseStream(HttpServerResponse response, Context context, Duration stallTimeout) {
      this.response = response;
      this.context = context;
      this.stallNanos = stallTimeout.toNanos();
    }

    @Override
    public void write(int b) throws IOException {
      chunk.appendByte((byte) b);
      if (chunk.length() >= CHUNK) {
        send(false);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      while (length > 0) {
        int n = Math.min(length, CHUNK - chunk.length());
        chunk.appendBytes(bytes, offset, n);
        offset += n;
        length -= n;
        if (chunk.length() >= CHUNK) {
          send(false);
        }
      }
    }

    /** Sends what is left and ends the response. */
    void finish() throws IOException {
      send(true);
    }

    /** Whether anything was handed to the response, so that a failure can no longer be a 500. */
    boolean started() {
      return started;
    }

    private void send(boolean last) throws IOException {
      Buffer full = chunk;
      chunk = Buffer.buffer(CHUNK);
      boolean first = !started;
      started = true;
      int length = full.length();
      synchronized (lock) {
        if (broken != null) {
          throw new IOException("the answer broke off: " + broken.getMessage(), broken);
        }
        pending += length;
      }
      context.runOnContext(v -> {
        Future<Void> written;
        try {
          if (first) {
            response.setStatusCode(200).putHeader("content-type", "application/json");
            if (!last) {
              response.setChunked(true);
            }
          }
          written = last ? response.end(full) : response.write(full);
        } catch (RuntimeException e) {
          written = Future.failedFuture(e);
        }
        written.onComplete(ar -> {
          synchronized (lock) {
            pending -= length;
            if (ar.failed() && broken == null) {
              broken = ar.cause();
            }
            lock.notifyAll();
          }
        });
      });
      if (!last) {
        awaitRoom();
      }
    }

    private void awaitRoom() throws IOException {
      long deadline = System.nanoTime() + stallNanos;
      synchronized (lock) {
        while (pending > MAX_PENDING && broken == null) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new IOException("the client took nothing for "
                + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s");
          }
          try {
            lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 1000)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
        }
        if (broken != null) {
          throw new IOException("the answer broke off: " + broken.getMessage(), broken);
        }
      }
    }
  }
}
