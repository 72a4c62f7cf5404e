package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The port-forward's bearer token reaches every request of an HTTP/2 (gRPC) stream unharmed. */
class Http2CredentialsTest {
  private static final int HEADERS = 1;
  private static final int DATA = 0;
  private static final int END_HEADERS = 4;

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
    frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    frame.put((byte) type).put((byte) flags).putInt(stream).put(payload);
    return frame.array();
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {
  }

  private static List<Frame> frames(byte[] bytes, int from) {
    List<Frame> frames = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(bytes, from, bytes.length - from);
    while (in.hasRemaining()) {
      int length = (in.get() & 0xff) << 16 | (in.get() & 0xff) << 8 | in.get() & 0xff;
      int type = in.get() & 0xff;
      int flags = in.get() & 0xff;
      int stream = in.getInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.get(payload);
      frames.add(new Frame(type, flags, stream, payload));
    }
    return frames;
  }

  @Test
  void everyHeaderBlockGetsTheTokenAndEverythingElsePassesUnchanged() throws Exception {
    DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    ByteArrayOutputStream client = new ByteArrayOutputStream();
    client.writeBytes(Http2Credentials.PREFACE);
    byte[] data = "a gRPC message".getBytes(StandardCharsets.UTF_8);
    for (int stream : new int[] {1, 3}) {
      Http2Headers headers = new DefaultHttp2Headers().method("POST").path("/process.v1.ProcessService/Start")
          .scheme("http").authority("localhost").add("content-type", "application/grpc");
      ByteBuf block = Unpooled.buffer();
      encoder.encodeHeaders(stream, headers, block);
      byte[] encoded = new byte[block.readableBytes()];
      block.readBytes(encoded);
      client.writeBytes(frame(HEADERS, END_HEADERS, stream, encoded));
      client.writeBytes(frame(DATA, 0, stream, data));
    }
    byte[] sent = client.toByteArray();

    Http2Credentials credentials = new Http2Credentials("Bearer s3cret");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < sent.length; i += 7) {   // in pieces, as a socket delivers them
      out.writeBytes(credentials.rewrite(sent, i, Math.min(7, sent.length - i)));
    }
    byte[] rewritten = out.toByteArray();

    assertArrayEquals(Http2Credentials.PREFACE, Arrays.copyOf(rewritten, Http2Credentials.PREFACE.length));
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder();
    List<Frame> frames = frames(rewritten, Http2Credentials.PREFACE.length);
    assertEquals(6, frames.size(), "each HEADERS is followed by one CONTINUATION");
    for (int i = 0; i < frames.size(); i += 3) {
      Frame headers = frames.get(i);
      Frame continuation = frames.get(i + 1);
      Frame body = frames.get(i + 2);
      assertEquals(0, headers.flags() & END_HEADERS);
      assertEquals(9, continuation.type());
      assertEquals(END_HEADERS, continuation.flags());
      assertEquals(headers.stream(), continuation.stream());
      ByteBuf block = Unpooled.wrappedBuffer(headers.payload(), continuation.payload());
      Http2Headers decoded = decoder.decodeHeaders(headers.stream(), block);
      assertEquals("Bearer s3cret", decoded.get("authorization").toString());
      assertEquals("/process.v1.ProcessService/Start", decoded.path().toString());
      assertEquals("application/grpc", decoded.get("content-type").toString());
      assertArrayEquals(data, body.payload());
    }
  }
}
