package dev.agentsandbox.runtime.internal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one runtime's file lookups and opens on threads of its own, each answered by a deadline.
 *
 * <p>Java opens files only in blocking mode. A command can rename a FIFO over a file or a
 * directory between the runtime's look at it and its open; the open then waits for a writer
 * that may never come. Such a wait therefore holds one of this runtime's few threads, never a
 * thread of the Vert.x worker pool that every runtime in the JVM shares, and the request is
 * answered with {@link DeadlineException} when the deadline passes. The open is released then,
 * if the FIFO is still where it was opened, by opening it for reading and writing (which never
 * blocks on Linux); the released open then fails its check of the file type. A FIFO that a
 * command takes away meanwhile cannot be reached again: the thread stays blocked until someone
 * opens that FIFO, costing this runtime one of its threads and nothing else. Threads are daemons
 * and end when idle.
 */
public final class FileWorkers implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FileWorkers.class);
  /** The task the current thread runs, so that the opens it makes can be released. */
  private static final ThreadLocal<Task<?>> CURRENT = new ThreadLocal<>();
  private static final int PENDING = 0;
  private static final int DONE = 1;
  private static final int EXPIRED = 2;

  /** A file operation did not finish within its deadline. */
  public static final class DeadlineException extends IOException {
    DeadlineException(String message) {
      super(message);
    }
  }

  /** Marks an open in progress; closing it marks the end. */
  public interface Opening extends AutoCloseable {
    @Override
    void close();
  }

  private static final Opening NOT_WATCHED = () -> { };

  private final Vertx vertx;
  private final Duration timeout;
  private final ThreadPoolExecutor pool;
  private final Set<Task<?>> running = ConcurrentHashMap.newKeySet();

  /**
   * Up to {@code threads} threads named after {@code name}; every operation must finish within
   * {@code timeout}, counted from its submission.
   */
  public FileWorkers(Vertx vertx, String name, int threads, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
    AtomicInteger count = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), task -> {
          Thread thread = new Thread(task, name + "-files-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    pool.allowCoreThreadTimeOut(true);
  }

  /** The deadline of each operation. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Runs {@code work} on one of these threads. The result completes on the caller's Vert.x
   * context, or fails with {@link DeadlineException} once the deadline passes; a result that
   * arrives after that is handed to {@code discard} (on the worker thread) to release it.
   *
   * @param what names the operation in the deadline's message
   */
  public <T> Future<T> submit(String what, Callable<T> work, Consumer<? super T> discard) {
    Context context = vertx.getOrCreateContext();
    Task<T> task = new Task<>(what, work, discard, context);
    task.timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> task.expire());
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      vertx.cancelTimer(task.timer);
      task.state.set(DONE);
      return Future.failedFuture(new IOException("The sandbox runtime is closing"));
    }
    return task.promise.future();
  }

  /**
   * Marks an open of {@code entry} in {@code dir} by the current thread, so that the deadline
   * can release it; a no-op on threads other than these.
   */
  public static Opening opening(SecureDirectoryStream<Path> dir, Path entry) {
    Task<?> task = CURRENT.get();
    if (task == null) {
      return NOT_WATCHED;
    }
    task.open = new BlockedOpen(dir, entry);
    return () -> task.open = null;
  }

  /** Stops taking work and releases the opens still blocked. Does not wait. */
  @Override
  public void close() {
    pool.shutdownNow();
    for (Task<?> task : running) {
      task.releaseOpen();
    }
  }

  /**
   * Opens a FIFO at {@code entry} for reading and writing and closes it again, which lets a
   * blocked open of it on either end return. Anything else there is left alone: a regular file
   * opened without truncation is not changed, and directories and links refuse the open.
   */
  private static void release(SecureDirectoryStream<Path> dir, Path entry) {
    try {
      BasicFileAttributes found = ConfinedPaths.lstat(dir, entry);
      if (found == null || !found.isOther()) {
        return;
      }
      dir.newByteChannel(entry, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS)).close();
      LOG.debug("Released an open of '{}' that waited on a FIFO", entry);
    } catch (IOException | ClosedDirectoryStreamException e) {
      // Gone or changed: nothing here to release.
    }
  }

  private record BlockedOpen(SecureDirectoryStream<Path> dir, Path entry) {
  }

  private final class Task<T> implements Runnable {
    final AtomicInteger state = new AtomicInteger(PENDING);
    final Promise<T> promise = Promise.promise();
    final String what;
    final Callable<T> work;
    final Consumer<? super T> discard;
    final Context context;
    long timer;
    volatile BlockedOpen open;

    Task(String what, Callable<T> work, Consumer<? super T> discard, Context context) {
      this.what = what;
      this.work = work;
      this.discard = discard;
      this.context = context;
    }

    @Override
    public void run() {
      if (state.get() != PENDING) {
        return; // expired while queued
      }
      T result = null;
      Throwable failure = null;
      CURRENT.set(this);
      running.add(this);
      try {
        result = work.call();
      } catch (Throwable t) {
        failure = t;
      } finally {
        running.remove(this);
        CURRENT.remove();
      }
      if (state.compareAndSet(PENDING, DONE)) {
        T value = result;
        Throwable error = failure;
        context.runOnContext(v -> {
          vertx.cancelTimer(timer);
          if (error != null) {
            promise.fail(error);
          } else {
            promise.complete(value);
          }
        });
      } else if (failure == null) {
        try {
          discard.accept(result);
        } catch (RuntimeException e) {
          LOG.warn("Cannot release the result of an expired {}: {}", what, e.toString());
        }
      }
    }

    /** On the context, when the deadline passes. */
    void expire() {
      if (!state.compareAndSet(PENDING, EXPIRED)) {
        return;
      }
      pool.remove(this);
      promise.fail(new DeadlineException(what + " did not finish within " + timeout.toMillis()
          + " ms: the runtime is busy, or a command replaced a file on its way with a FIFO"));
      if (open != null) {
        vertx.executeBlocking(() -> {
          releaseOpen();
          return null;
        }, false);
      }
    }

    void releaseOpen() {
      BlockedOpen current = open;
      if (current != null) {
        release(current.dir(), current.entry());
      }
    }
  }
}
