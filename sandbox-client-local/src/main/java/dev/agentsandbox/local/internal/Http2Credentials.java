package dev.agentsandbox.local.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Adds {@code authorization: Bearer <token>} to every request of a client's HTTP/2 byte stream
 * (gRPC over a port-forward), as {@link RequestAuthorizer} does for HTTP/1.x, without decoding
 * the stream: each header block (a {@code HEADERS} frame and its {@code CONTINUATION}s) loses its
 * {@code END_HEADERS} flag and is followed by one more {@code CONTINUATION} frame holding the
 * header as an HPACK literal "without indexing", which leaves both ends' HPACK tables as they
 * were. Everything else, data frames included, passes byte for byte.
 *
 * <p>Not thread-safe: feed it from one thread at a time.
 */
final class Http2Credentials {
  /** The client connection preface, which precedes the frames. */
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int FRAME_HEADER = 9;
  private static final int HEADERS = 0x1;
  private static final int CONTINUATION = 0x9;
  private static final int END_HEADERS = 0x4;

  private final byte[] headerBlock;
  private final byte[] frameHeader = new byte[FRAME_HEADER];
  private int prefaceLeft = PREFACE.length;
  private int headerFill;
  private long payloadLeft;
  /** The stream whose header block ends with the current frame, or -1. */
  private int injectAfter = -1;

  Http2Credentials(String credentials) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x00); // literal header field without indexing, new name
    string(block, "authorization");
    string(block, credentials);
    this.headerBlock = block.toByteArray();
  }

  /** Appends an HPACK string literal (no Huffman coding). */
  private static void string(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    integer(out, bytes.length, 7, 0);
    out.writeBytes(bytes);
  }

  /** Appends an HPACK integer with an {@code prefixBits}-bit prefix. */
  private static void integer(ByteArrayOutputStream out, int value, int prefixBits, int firstByteFlags) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      out.write(firstByteFlags | value);
      return;
    }
    out.write(firstByteFlags | max);
    int rest = value - max;
    while (rest >= 128) {
      out.write((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    out.write(rest);
  }

  /** The bytes to send on for the client's {@code bytes} (which start after what came before). */
  byte[] rewrite(byte[] bytes, int offset, int length) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 64);
    int i = offset;
    int end = offset + length;
    while (i < end) {
      if (prefaceLeft > 0) {
        int n = Math.min(prefaceLeft, end - i);
        out.write(bytes, i, n);
        prefaceLeft -= n;
        i += n;
      } else if (payloadLeft > 0) {
        int n = (int) Math.min(payloadLeft, end - i);
        out.write(bytes, i, n);
        payloadLeft -= n;
        i += n;
        if (payloadLeft == 0) {
          frameEnded(out);
        }
      } else {
        frameHeader[headerFill++] = bytes[i++];
        if (headerFill == FRAME_HEADER) {
          headerFill = 0;
          frameStarts(out);
        }
      }
    }
    return out.toByteArray();
  }

  private void frameStarts(ByteArrayOutputStream out) {
    int payload = (frameHeader[0] & 0xff) << 16 | (frameHeader[1] & 0xff) << 8 | frameHeader[2] & 0xff;
    int type = frameHeader[3] & 0xff;
    int flags = frameHeader[4] & 0xff;
    if ((type == HEADERS || type == CONTINUATION) && (flags & END_HEADERS) != 0) {
      injectAfter = (frameHeader[5] & 0x7f) << 24 | (frameHeader[6] & 0xff) << 16
          | (frameHeader[7] & 0xff) << 8 | frameHeader[8] & 0xff;
      frameHeader[4] = (byte) (flags & ~END_HEADERS);
    }
    out.write(frameHeader, 0, FRAME_HEADER);
    payloadLeft = payload;
    if (payload == 0) {
      frameEnded(out);
    }
  }

  private void frameEnded(ByteArrayOutputStream out) {
    if (injectAfter < 0) {
      return;
    }
    int stream = injectAfter;
    injectAfter = -1;
    out.write(headerBlock.length >>> 16);
    out.write(headerBlock.length >>> 8);
    out.write(headerBlock.length);
    out.write(CONTINUATION);
    out.write(END_HEADERS);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.writeBytes(headerBlock);
  }
}
