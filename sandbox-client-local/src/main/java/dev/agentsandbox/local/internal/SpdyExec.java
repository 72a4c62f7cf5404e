package dev.agentsandbox.local.internal;

import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pods/{name}/exec} over SPDY/3.1, the remote command protocol {@code v4.channel.k8s.io}
 * of kubectl before 1.30: the client opens one stream per channel it asked for ({@code error},
 * {@code stdout}, {@code stderr}, and {@code stdin} or {@code resize}, each named in its
 * {@code streamType} header); once they are all open the command runs (as
 * {@link PodExecSession} runs it), its output is written on the output streams and its closing
 * {@code Status} on the error stream, and the session ends. SPDY framing is Netty's.
 */
final class SpdyExec extends WebSocketListener implements SpdyService {
  /** The remote command protocol served. */
  static final String PROTOCOL = "v4.channel.k8s.io";

  private static final Logger LOG = LoggerFactory.getLogger(SpdyExec.class);
  private static final int MAX_DATA_FRAME = 32 * 1024;

  private final PodExecSession exec;
  private final Set<String> expected = new LinkedHashSet<>();
  private final Map<String, Integer> streams = new HashMap<>();
  private final EmbeddedChannel codec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
  private NetSocket socket;
  private boolean started;

  /** An exec whose client opens the streams of the channels it asked for. */
  SpdyExec(PodExecSession exec, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    this.exec = exec;
    expected.add("error");
    if (stdin) {
      expected.add("stdin");
    }
    if (stdout) {
      expected.add("stdout");
    }
    if (stderr && !tty) {
      expected.add("stderr");
    }
    if (tty) {
      expected.add("resize");
    }
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public void serve(NetSocket connection) {
    socket = connection;
    connection.handler(this::receive);
    connection.exceptionHandler(e -> LOG.debug("Exec session: {}", e.toString()));
    connection.closeHandler(v -> codec.finishAndReleaseAll());
  }

  private void receive(Buffer bytes) {
    try {
      codec.writeInbound(Unpooled.wrappedBuffer(bytes.getBytes()));
    } catch (RuntimeException e) {
      LOG.debug("Exec session ends: {}", e.toString());
      socket.close();
      return;
    }
    for (Object frame = codec.readInbound(); frame != null; frame = codec.readInbound()) {
      try {
        if (frame instanceof SpdySynStreamFrame syn) {
          open(syn);
        } else if (frame instanceof SpdyPingFrame ping && (ping.id() & 1) == 1) {
          send(new DefaultSpdyPingFrame(ping.id()));
        }
        // stdin (refused: the runtime takes none), resize and the rest need nothing
      } finally {
        ReferenceCountUtil.release(frame);
      }
    }
  }

  private void open(SpdySynStreamFrame syn) {
    String type = syn.headers().getAsString("streamtype");
    SpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(syn.streamId());
    // A block of no headers is encoded as nothing, which Go's SPDY framer cannot read.
    reply.headers().set(":status", "200");
    reply.headers().set(":version", "HTTP/1.1");
    send(reply);
    if (type != null) {
      streams.put(type, syn.streamId());
    }
    if (!started && streams.keySet().containsAll(expected)) {
      started = true;
      exec.run().onComplete(done -> {
        PodExecSession.Outcome outcome = done.result();
        write("stdout", outcome.stdout());
        write("stderr", outcome.stderr());
        write("error", outcome.status().toString().getBytes(StandardCharsets.UTF_8));
        socket.write(Buffer.buffer()).onComplete(flushed -> socket.close());
      });
    }
  }

  /** Writes {@code bytes} on the stream of {@code type}, if the client opened it, and ends the stream. */
  private void write(String type, byte[] bytes) {
    Integer id = streams.get(type);
    if (id == null) {
      return;
    }
    int offset = 0;
    do {
      int length = Math.min(MAX_DATA_FRAME, bytes.length - offset);
      DefaultSpdyDataFrame frame = new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(bytes, offset, length));
      offset += length;
      frame.setLast(offset >= bytes.length);
      send(frame);
    } while (offset < bytes.length);
  }

  private void send(SpdyFrame frame) {
    codec.writeOutbound(frame);
    Buffer encoded = Buffer.buffer();
    for (Object out = codec.readOutbound(); out != null; out = codec.readOutbound()) {
      ByteBuf buf = (ByteBuf) out;
      try {
        byte[] chunk = new byte[buf.readableBytes()];
        buf.readBytes(chunk);
        encoded.appendBytes(chunk);
      } finally {
        buf.release();
      }
    }
    if (encoded.length() > 0) {
      socket.write(encoded);
    }
  }
}
