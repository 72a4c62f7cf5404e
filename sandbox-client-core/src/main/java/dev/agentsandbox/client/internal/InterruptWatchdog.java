package dev.agentsandbox.client.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;

/**
 * Cancels an OkHttp call when the thread waiting for it is interrupted. A thread blocked in
 * socket I/O (connecting, writing a request, waiting for an answer, reading a body) does not
 * notice an interrupt; cancelling the call closes its socket, so the blocked thread fails at
 * once. One daemon thread checks the waiting threads every {@link #CHECK_INTERVAL_MILLIS} ms,
 * only while calls are watched: it ends when the last one is done and starts again with the
 * next. Keeping the call on the caller's thread (rather than handing it to another and
 * waiting interruptibly) leaves request bodies read, response bodies written to sinks and
 * exceptions raised on the thread that made the call.
 */
final class InterruptWatchdog {
  /** The longest an interrupt goes unnoticed. */
  static final long CHECK_INTERVAL_MILLIS = 100;
  static final InterruptWatchdog SHARED = new InterruptWatchdog();

  private final Map<Call, Thread> watched = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private Thread checker;

  private InterruptWatchdog() {
  }

  /**
   * Watches {@code call} on behalf of the current thread until the result is closed. A call of
   * an already interrupted thread is cancelled at once.
   */
  Watch watch(Call call) {
    Thread caller = Thread.currentThread();
    watched.put(call, caller);
    if (caller.isInterrupted()) {
      call.cancel();
    }
    synchronized (lock) {
      if (checker == null) {
        checker = new Thread(this::check, "sandbox-client-interrupt-watchdog");
        checker.setDaemon(true);
        checker.start();
      }
    }
    return () -> watched.remove(call);
  }

  private void check() {
    while (true) {
      synchronized (lock) {
        if (watched.isEmpty()) {
          checker = null;
          return;
        }
      }
      watched.forEach((call, thread) -> {
        if (thread.isInterrupted() && !call.isCanceled()) {
          call.cancel();
        }
      });
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CHECK_INTERVAL_MILLIS));
    }
  }

  /** Ends watching one call. */
  @FunctionalInterface
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }
}
