package dev.agentsandbox.mcp.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests a host sent over stdio that have no answer yet, so that the end of the host's
 * input does not cut them off: a host may send its last calls and close its end at once (a
 * script piping requests in, say), and still read the answers.
 *
 * <p>Both streams are newline-delimited JSON-RPC. A message read with an {@code id} and a
 * {@code method} is a request; one written with that {@code id} and no {@code method} is its
 * answer, and a cancellation read ends the wait for the request it names. At the end of the input, {@link #input()} reports it only once every request read has
 * its answer written, or after {@code drainTimeout}.
 *
 * <p>Thread-safe.
 */
public final class StdioRequests {
  private static final Logger LOG = LoggerFactory.getLogger(StdioRequests.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final String CANCELLED = "notifications/cancelled";

  private final InputStream input;
  private final OutputStream output;
  private final long drainNanos;
  private final Set<String> pending = new HashSet<>();
  private boolean abandoned;

  /**
   * @param in the host's requests
   * @param out where the answers go
   * @param drainTimeout how long the end of {@code in} waits for unanswered requests
   */
  public StdioRequests(InputStream in, OutputStream out, Duration drainTimeout) {
    this.input = new Input(in);
    this.output = new Output(out);
    this.drainNanos = drainTimeout.toNanos();
  }

  /** The host's requests; their end comes once the requests read are answered. */
  public InputStream input() {
    return input;
  }

  /** Where the answers go. */
  public OutputStream output() {
    return output;
  }

  /** How many requests read have no answer written yet. */
  public synchronized int unanswered() {
    return pending.size();
  }

  /** Ends a wait at the end of the input at once, and any later one: the server is stopping. */
  public synchronized void abandon() {
    abandoned = true;
    notifyAll();
  }

  private synchronized void requested(String id) {
    pending.add(id);
  }

  private synchronized void answered(String id) {
    if (pending.remove(id) && pending.isEmpty()) {
      notifyAll();
    }
  }

  private synchronized void awaitAnswers() throws IOException {
    long deadline = System.nanoTime() + drainNanos;
    long left = drainNanos;
    while (!pending.isEmpty() && !abandoned && left > 0) {
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while answering the last requests");
      }
      left = deadline - System.nanoTime();
    }
    if (!pending.isEmpty()) {
      LOG.warn("The host closed its input; {} request(s) still unanswered {} are dropped", pending.size(),
          abandoned ? "as the server stops" : "after " + TimeUnit.NANOSECONDS.toMillis(drainNanos) + " ms");
    }
  }

  /**
   * What a line says of requests: its top-level {@code id} (as JSON text, so 1 and "1" differ)
   * or null, its {@code method} or null, and for a cancellation the id of the request it cancels.
   */
  private record Message(String id, String method, String cancels) {
  }

  /** The message in the first {@code length} bytes of {@code line}; null if not a JSON object. */
  private static Message parse(byte[] line, int length) {
    String id = null;
    String method = null;
    String cancels = null;
    try (JsonParser parser = JSON.createParser(line, 0, length)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("id".equals(name)) {
          id = idOf(parser, value);
        } else if ("method".equals(name) && value == JsonToken.VALUE_STRING) {
          method = parser.getText();
        } else if ("params".equals(name) && value == JsonToken.START_OBJECT) {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String param = parser.currentName();
            JsonToken paramValue = parser.nextToken();
            if ("requestId".equals(param)) {
              cancels = idOf(parser, paramValue);
            }
            parser.skipChildren();
          }
        }
        parser.skipChildren();
      }
    } catch (IOException e) {
      return null; // not ours to judge: the server answers malformed input itself
    }
    return new Message(id, method, CANCELLED.equals(method) ? cancels : null);
  }

  private static String idOf(JsonParser parser, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return '"' + parser.getText() + '"';
    }
    return value == JsonToken.VALUE_NUMBER_INT ? parser.getText() : null;
  }

  /** Gathers bytes into lines; hands each complete one to {@link #line}, without copying it. */
  private abstract static class Lines {
    private final LineBuffer current = new LineBuffer();

    void take(byte[] bytes, int offset, int length) throws IOException {
      int start = offset;
      for (int i = offset; i < offset + length; i++) {
        if (bytes[i] == '\n') {
          current.write(bytes, start, i - start);
          line(current.bytes(), current.size());
          current.clear();
          start = i + 1;
        }
      }
      current.write(bytes, start, offset + length - start);
    }

    /** A complete line: the first {@code length} bytes of {@code line}, valid during the call. */
    abstract void line(byte[] line, int length) throws IOException;
  }

  /** A byte buffer that lends its array and does not keep a large one between lines. */
  private static final class LineBuffer extends ByteArrayOutputStream {
    private static final int KEPT = 64 * 1024;

    byte[] bytes() {
      return buf;
    }

    void clear() {
      reset();
      if (buf.length > KEPT) {
        buf = new byte[256];
      }
    }
  }

  private final class Input extends FilterInputStream {
    private final Lines lines = new Lines() {
      @Override
      void line(byte[] line, int length) {
        Message message = parse(line, length);
        if (message != null && message.id() != null && message.method() != null) {
          requested(message.id());
        } else if (message != null && message.cancels() != null) {
          answered(message.cancels()); // a cancelled request gets no answer
        }
      }
    };

    Input(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        lines.take(buffer, offset, n);
      } else if (n < 0) {
        awaitAnswers();
      }
      return n;
    }
  }

  private final class Output extends FilterOutputStream {
    private final Lines lines = new Lines() {
      @Override
      void line(byte[] line, int length) throws IOException {
        Message message = parse(line, length);
        if (message != null && message.id() != null && message.method() == null) {
          out.flush(); // answered once it has left
          answered(message.id());
        }
      }
    };

    Output(OutputStream out) {
      super(out);
    }

    @Override
    public synchronized void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
      out.write(bytes, offset, length);
      lines.take(bytes, offset, length);
    }

    @Override
    public synchronized void flush() throws IOException {
      out.flush();
    }
  }
}
