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

/**
 * Rewrites a client's HTTP/1.x byte stream so that every request carries
 * {@code Authorization: Bearer <token>}, replacing any the client sent: how a port-forward
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
  private boolean malformed;

  RequestAuthorizer(String token) {
    String credentials = "Bearer " + token;
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
