package dev.agentsandbox.runtime.internal;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends a request whose body stops arriving: a client that goes silent halfway through a body
 * would otherwise hold its connection, and an upload its temporary file, for ever. Only the
 * body counts: a request whose body is complete, such as an {@code /execute} waiting for a long
 * command, is never cut, and neither is a body the runtime itself has paused while it writes.
 *
 * <p>One timer per request, re-armed for the remaining time when it fires rather than on every
 * chunk. Used on the request's event loop only.
 */
final class BodyIdleTimer {

  private final Vertx vertx;
  private final long timeoutNanos;
  private final Runnable onIdle;
  private long lastData;
  private long timer = -1;
  private boolean stopped;

  /** Calls {@code onIdle} once no data has arrived for {@code timeout} while reading. */
  BodyIdleTimer(Vertx vertx, Duration timeout, Runnable onIdle) {
    this.vertx = vertx;
    this.timeoutNanos = timeout.toNanos();
    this.onIdle = onIdle;
    resume();
  }

  /** Data arrived. */
  void touch() {
    lastData = System.nanoTime();
  }

  /** The runtime stopped reading; the client's silence does not count until {@link #resume}. */
  void pause() {
    cancel();
  }

  /** Reading again: the client has the whole timeout from now. */
  void resume() {
    if (!stopped && timer < 0) {
      touch();
      arm(timeoutNanos);
    }
  }

  /** The body is over (or the request failed otherwise). */
  void stop() {
    stopped = true;
    cancel();
  }

  private void cancel() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void arm(long delayNanos) {
    timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos)), id -> {
      if (id != timer) {
        return; // cancelled
      }
      timer = -1;
      if (stopped) {
        return;
      }
      long idle = System.nanoTime() - lastData;
      if (idle >= timeoutNanos) {
        stopped = true;
        onIdle.run();
      } else {
        arm(timeoutNanos - idle);
      }
    });
  }
}
