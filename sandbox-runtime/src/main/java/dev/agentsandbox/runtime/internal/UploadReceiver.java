package dev.agentsandbox.runtime.internal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Stores the {@code file} part of an upload at its destination under the base directory.
 *
 * <p>The destination's directory is opened by handle ({@link ConfinedPaths}); the content goes
 * to a new file created in that directory handle with {@code O_CREAT|O_EXCL|O_NOFOLLOW} and
 * written through its descriptor only, then renamed onto the destination name within the same
 * handle. A command that swaps the temporary file, the destination or any directory on the way
 * for a link can therefore not make the runtime write outside the base directory.
 *
 * <p>Every upload ends, and ends once: stored, or failed with the temporary file deleted and all
 * descriptors closed. A body that ends before the part's closing multipart boundary fails with
 * {@link IncompleteUploadException}. Created and called on the request's event loop; file work
 * runs on worker threads, one step at a time, and the upload is paused while a megabyte waits.
 */
final class UploadReceiver {

  private static final String TEMP_PREFIX = ".sandbox-upload-";
  /** Data is written in chunks of about this size, one at a time, while more arrives. */
  private static final int CHUNK = 256 * 1024;
  /** The upload is paused while this much waits for a write in progress. */
  private static final int MAX_PENDING = 4 * CHUNK;

  /** The destination names a directory. */
  static final class DirectoryDestinationException extends FileSystemException {
    DirectoryDestinationException(String path) {
      super(path, null, "the destination is a directory");
    }
  }

  /** The request body ended, or was malformed, before the part's closing boundary. */
  static final class IncompleteUploadException extends IOException {
    IncompleteUploadException(String message) {
      super(message);
    }
  }

  private final ConfinedPaths paths;
  private final FileWorkers files;
  private final BodyIdleTimer idle;
  private final FilePart upload;
  private final String destination;
  private final Set<PosixFilePermission> permissions;
  private final Context context;
  private final Promise<Void> stored = Promise.promise();

  // Set on a worker thread; a failure may clean up from another one.
  private volatile ConfinedPaths.Location location;
  private volatile Path tempName;
  private volatile SeekableByteChannel out;

  private Buffer pending = Buffer.buffer();
  private boolean paused;
  private boolean writing;
  private boolean uploadEnded;
  private boolean requestEnded;
  private boolean done;

  /**
   * Stores {@code upload}; the destination is found and opened on {@code files}, and
   * {@code idle} is paused while the upload is. Must be called on the request's context, where
   * the receiver then runs.
   */
  UploadReceiver(ConfinedPaths paths, FileWorkers files, BodyIdleTimer idle, FilePart upload) {
    this(paths, files, idle, upload, upload.filename(), null);
  }

  /**
   * As the other constructor, storing at {@code destination} (not the part's file name) and,
   * with {@code permissions}, giving the file those before it takes the destination's name.
   */
  UploadReceiver(ConfinedPaths paths, FileWorkers files, BodyIdleTimer idle, FilePart upload,
      String destination, Set<PosixFilePermission> permissions) {
    this.context = Objects.requireNonNull(Vertx.currentContext(), "not on a Vert.x context");
    this.paths = paths;
    this.files = files;
    this.idle = idle;
    this.upload = upload;
    this.destination = destination;
    this.permissions = permissions;
  }

  /** The destination as the client gave it. */
  String filename() {
    return destination;
  }

  /** Completes once the file is in place, or fails once everything is cleaned up. */
  Future<Void> stored() {
    return stored.future();
  }

  /** Holds the data back until the destination is checked and the temporary file open. */
  void start() {
    upload.handler(this::onData);
    upload.endHandler(v -> onUploadEnd());
    upload.exceptionHandler(this::fail);
    pause();
    // Opened on this runtime's file threads: a FIFO swapped in on the way blocks only those,
    // and an open that late is cleaned up when it returns.
    files.submit("Opening the upload destination", this::open, v -> cleanUp()).onComplete(ar -> {
      if (ar.failed()) {
        fail(ar.cause());
      } else if (done) {
        // Failed (the connection closed) while opening: what was opened is released here.
        context.executeBlocking(() -> {
          cleanUp();
          return null;
        }, false);
      } else {
        resume();
      }
    });
  }

  /** The request body is over: the upload must have ended, or be about to when resumed. */
  void requestEnded() {
    requestEnded = true;
    checkComplete();
  }

  /** Gives up, for example because the connection closed; idempotent. */
  void fail(Throwable cause) {
    if (done) {
      return;
    }
    done = true;
    upload.handler(ignored -> { });
    upload.endHandler(null);
    if (paused) {
      idle.resume();
      upload.resume();
    }
    context.executeBlocking(() -> {
      cleanUp();
      return null;
    }, false).onComplete(ar -> stored.tryFail(cause));
  }

  private Void open() throws IOException {
    ConfinedPaths.Location found = paths.locateCreatingDirectories(destination);
    try {
      if (found.entry() == null || found.isDirectory()) {
        throw new DirectoryDestinationException(destination);
      }
      Path name = Path.of(TEMP_PREFIX + UUID.randomUUID());
      Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW,
          LinkOption.NOFOLLOW_LINKS);
      out = found.parent().newByteChannel(name, options);
      tempName = name;
      location = found;
      return null;
    } catch (IOException | RuntimeException e) {
      found.close();
      throw e;
    }
  }

  private void onData(Buffer data) {
    if (done) {
      return;
    }
    pending.appendBuffer(data);
    if (pending.length() >= CHUNK && !writing) {
      flush();
    }
    if (pending.length() >= MAX_PENDING && !paused) {
      pause();
    }
  }

  private void onUploadEnd() {
    uploadEnded = true;
    if (!writing && !done) {
      flush();
    }
  }

  /** Writes what is pending; then continues with more data, or finishes. */
  private void flush() {
    if (pending.length() == 0) {
      afterWrite();
      return;
    }
    writing = true;
    ByteBuffer chunk = pending.getByteBuf().nioBuffer();
    pending = Buffer.buffer();
    context.executeBlocking(() -> {
      while (chunk.hasRemaining()) {
        out.write(chunk);
      }
      return null;
    }, false).onComplete(ar -> {
      writing = false;
      if (ar.failed()) {
        fail(ar.cause());
      } else if (!done) {
        afterWrite();
      }
    });
  }

  private void afterWrite() {
    if (uploadEnded) {
      if (pending.length() > 0) {
        flush();
      } else {
        finish();
      }
      return;
    }
    if (pending.length() >= CHUNK) {
      flush();
    }
    if (paused && pending.length() < MAX_PENDING) {
      resume();
    }
  }

  private void finish() {
    done = true;
    context.executeBlocking(() -> {
      try {
        out.close();
        if (permissions != null) {
          location.parent().getFileAttributeView(tempName, PosixFileAttributeView.class,
              LinkOption.NOFOLLOW_LINKS).setPermissions(permissions);
        }
        location.parent().move(tempName, location.parent(), location.entry());
        tempName = null;
      } finally {
        cleanUp();
      }
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        stored.tryFail(ar.cause());
      } else {
        stored.tryComplete();
      }
    });
  }

  /** Closes the file and the directory handles; deletes the temporary file if still there. */
  private void cleanUp() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // The descriptor is released anyway.
      }
    }
    if (location != null) {
      if (tempName != null) {
        try {
          // By handle and without following a link, like everything else here.
          location.parent().deleteFile(tempName);
        } catch (IOException ignored) {
          // Already gone: a command removed it.
        }
      }
      location.close();
    }
  }

  private void pause() {
    paused = true;
    idle.pause();
    upload.pause();
  }

  private void resume() {
    paused = false;
    idle.resume();
    upload.resume();
    checkComplete();
  }

  /**
   * Fails the upload if the body is over but the part never ended. The decision waits for a
   * task of its own on this event loop, behind anything a resume has queued.
   */
  private void checkComplete() {
    if (incomplete()) {
      context.runOnContext(v -> {
        if (incomplete()) {
          fail(new IncompleteUploadException("The request body ended before the closing "
              + "multipart boundary of part 'file'"));
        }
      });
    }
  }

  private boolean incomplete() {
    return requestEnded && !uploadEnded && !paused && !done;
  }
}
