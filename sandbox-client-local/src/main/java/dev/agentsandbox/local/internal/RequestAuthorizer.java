package dev.agentsandbox.local.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Rewrites a client's HTTP/1.x byte stream so that every request carries
 * {@code Authorization: Bearer <token>}, replacing any the client sent (an HTTP/2 stream, told
 * by its connection preface, is handed to {@link Http2Credentials}, which adds the header): how a port-forward
 * presents a runtime's access token (see {@link RuntimeTokens}) without the client knowing it.
 * Requests are decoded and re-encoded by Netty's HTTP codec, so bodies, chunked or not, and
 * pipelined requests pass unchanged.
 *
 * <p>Not thread-safe: feed it from one thread (the bridge's event loop) at a time.
 */
final class RequestAuthorizer {
  /** Limits as the runtime's own: a request beyond them would be refused there anyway. */
  private static final int MAX_INITIAL_LINE = 16 * 1024;
  private static final int MAX_HEADER_SIZE = 64 * 1024;
  private static final int MAX_CHUNK_SIZE = 64 * 1024;

  private final EmbeddedChannel codec;
  private final String credentials;
  private boolean malformed;
  /** The first bytes, until they tell HTTP/1.x from HTTP/2; null once they did. */
  private ByteArrayOutputStream undecided = new ByteArrayOutputStream();
  /** Non-null once the stream turned out to be HTTP/2 (gRPC). */
  private Http2Credentials http2;

  RequestAuthorizer(String token) {
    String credentials = "Bearer " + token;
    this.credentials = credentials;
    codec = new EmbeddedChannel(new HttpRequestEncoder(),
        new HttpRequestDecoder(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CHUNK_SIZE),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
              malformed = true;
              ReferenceCountUtil.release(msg);
              return;
            }
            if (msg instanceof HttpRequest request) {
              request.headers().set("Authorization", credentials);
            }
            ctx.write(msg);
          }
        });
  }

  /**
   * Returns the bytes to send on for the client's {@code bytes}: possibly none yet (a request
   * head cut in two), possibly several requests.
   *
   * @throws IllegalArgumentException if the stream is not HTTP/1.x, after which nothing more
   *     may be sent
   */
  Buffer rewrite(byte[] bytes, int offset, int length) {
    if (undecided != null) {
      undecided.write(bytes, offset, length);
      byte[] seen = undecided.toByteArray();
      int compared = Math.min(seen.length, Http2Credentials.PREFACE.length);
      boolean http2Preface = Arrays.equals(seen, 0, compared, Http2Credentials.PREFACE, 0, compared);
      if (http2Preface && seen.length < Http2Credentials.PREFACE.length) {
        return Buffer.buffer();
      }
      undecided = null;
      if (http2Preface) {
        http2 = new Http2Credentials(credentials);
      }
      return rewrite(seen, 0, seen.length);
    }
    if (http2 != null) {
      return Buffer.buffer(http2.rewrite(bytes, offset, length));
    }
    if (malformed) {
      throw new IllegalArgumentException("not an HTTP/1.x request stream");
    }
    codec.writeInbound(Unpooled.wrappedBuffer(bytes, offset, length));
    codec.flushOutbound();
    if (malformed) {
      throw new IllegalArgumentException("not an HTTP/1.x request stream");
    }
    Buffer out = Buffer.buffer();
    for (ByteBuf encoded = codec.readOutbound(); encoded != null; encoded = codec.readOutbound()) {
      try {
        byte[] chunk = new byte[encoded.readableBytes()];
        encoded.readBytes(chunk);
        out.appendBytes(chunk);
      } finally {
        encoded.release();
      }
    }
    return out;
  }

  /** Releases what the codec still holds. */
  void close() {
    codec.finishAndReleaseAll();
  }
}
