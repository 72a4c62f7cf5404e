package dev.agentsandbox.runtime.internal;

import io.netty.buffer.Unpooled;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a file that is already open, so what is sent is what was opened within the base
 * directory, whatever happens to its path meanwhile (Vert.x {@code sendFile} would open the path
 * again). A file deleted after the open is still sent whole; one that shrinks ends the
 * connection early, so the client sees fewer bytes than announced instead of waiting forever.
 * Reads run on worker threads, one chunk at a time, as fast as the client takes them.
 */
final class FileDownload {

  private static final Logger LOG = LoggerFactory.getLogger(FileDownload.class);
  private static final int CHUNK = 256 * 1024;

  private final Vertx vertx;
  private final SeekableByteChannel channel;
  private final long size;
  private final Buffer first;

  private FileDownload(Vertx vertx, SeekableByteChannel channel, long size, Buffer first) {
    this.vertx = vertx;
    this.channel = channel;
    this.size = size;
    this.first = first;
  }

  /**
   * Opens {@code given} if it is a regular file and reads its first chunk, so that a file which
   * cannot be read fails before any header goes out. Blocks; call it on a worker thread.
   *
   * @return null if there is no regular file there
   */
  static FileDownload open(Vertx vertx, ConfinedPaths paths, String given) throws IOException {
    SeekableByteChannel channel;
    try (ConfinedPaths.Location location = paths.locate(given)) {
      if (!location.isRegularFile()) {
        return null;
      }
      channel = location.openFile();
    }
    try {
      // The size of what was opened (fstat), whatever the path names by now.
      long size = channel.size();
      Buffer first = read(channel, (int) Math.min(CHUNK, size));
      return new FileDownload(vertx, channel, size, first);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /** Releases the file without sending it. */
  void discard() {
    closeQuietly(channel);
  }

  /** Sends headers and content; closes the file when done or when the client goes away. */
  void send(HttpServerRequest request, String contentDisposition) {
    HttpServerResponse response = request.response();
    response.putHeader("content-type", "application/octet-stream")
        .putHeader("content-disposition", contentDisposition)
        .putHeader("content-length", Long.toString(size));
    response.closeHandler(v -> closeQuietly(channel));
    if (request.method().equals(HttpMethod.HEAD) || size == 0) {
      closeQuietly(channel);
      response.end();
      return;
    }
    deliver(response, first, 0);
  }

  private void deliver(HttpServerResponse response, Buffer chunk, long sentBefore) {
    long sent = sentBefore + chunk.length();
    long wanted = Math.min(CHUNK, size - sentBefore);
    try {
      if (chunk.length() < wanted) {
        // Shrunk since it was opened: the announced length cannot be delivered.
        response.write(chunk);
        abort(response, "file shrank while being sent");
        return;
      }
      if (sent == size) {
        closeQuietly(channel);
        response.end(chunk);
        return;
      }
      response.write(chunk);
    } catch (IllegalStateException closed) {
      closeQuietly(channel);
      return;
    }
    if (response.writeQueueFull()) {
      response.drainHandler(v -> {
        response.drainHandler(null);
        readNext(response, sent);
      });
    } else {
      readNext(response, sent);
    }
  }

  private void readNext(HttpServerResponse response, long sent) {
    if (response.closed()) {
      closeQuietly(channel);
      return;
    }
    vertx.executeBlocking(() -> read(channel, (int) Math.min(CHUNK, size - sent)), false)
        .onComplete(ar -> {
          if (ar.failed()) {
            abort(response, ar.cause().toString());
          } else {
            deliver(response, ar.result(), sent);
          }
        });
  }

  private void abort(HttpServerResponse response, String why) {
    LOG.debug("Download aborted: {}", why);
    closeQuietly(channel);
    response.reset();
  }

  /** Reads up to {@code length} bytes; fewer only at the end of the file. */
  private static Buffer read(SeekableByteChannel channel, int length) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(length);
    while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
      // keep reading
    }
    bytes.flip();
    return Buffer.buffer(Unpooled.wrappedBuffer(bytes));
  }

  private static void closeQuietly(SeekableByteChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing releases the descriptor even when it reports an error.
    }
  }
}
