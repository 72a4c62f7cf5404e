package dev.agentsandbox.runtime.internal;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The {@code file} part of an upload as {@link MultipartFormParser} reads it: its file name, then
 * its data, then its end or a failure. While it is paused, the request body is paused and what
 * was already read of it is held back; {@link #resume} hands that over in a task of its own on
 * the event loop. Used on the request's event loop only.
 */
final class FilePart {

  private final String filename;
  private final Context context;
  private final Handler<Void> pause;
  private final Handler<Void> resume;
  private final Queue<Buffer> held = new ArrayDeque<>();
  private Handler<Buffer> dataHandler = data -> { };
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean paused;
  private boolean ended;

  FilePart(String filename, Context context, Handler<Void> pause, Handler<Void> resume) {
    this.filename = filename;
    this.context = context;
    this.pause = pause;
    this.resume = resume;
  }

  /** The file name exactly as the part's {@code Content-Disposition} gives it. */
  String filename() {
    return filename;
  }

  void handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
  }

  void endHandler(Handler<Void> handler) {
    this.endHandler = handler;
  }

  void exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
  }

  /** Stops the data and the end until {@link #resume}. */
  void pause() {
    paused = true;
    pause.handle(null);
  }

  void resume() {
    paused = false;
    resume.handle(null);
    context.runOnContext(v -> deliverHeld());
  }

  void data(Buffer data) {
    if (paused || !held.isEmpty()) {
      held.add(data);
    } else {
      dataHandler.handle(data);
    }
  }

  void end() {
    ended = true;
    if (!paused && held.isEmpty()) {
      deliverEnd();
    }
  }

  /** Fails the part at once, whether paused or not. */
  void fail(Throwable cause) {
    held.clear();
    ended = false;
    if (exceptionHandler != null) {
      exceptionHandler.handle(cause);
    }
  }

  private void deliverHeld() {
    while (!paused && !held.isEmpty()) {
      dataHandler.handle(held.remove());
    }
    if (!paused && ended) {
      deliverEnd();
    }
  }

  private void deliverEnd() {
    ended = false;
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }
}
