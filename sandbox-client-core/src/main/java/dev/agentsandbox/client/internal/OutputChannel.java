package dev.agentsandbox.client.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One output stream of a live process as a {@link Flow.Publisher} for one subscriber, fed by
 * the transport with {@link #offer}. Until someone subscribes, chunks wait here (at most
 * {@link #UNCLAIMED_WINDOW} bytes); once the result is wanted without a subscriber, they are
 * collected as text instead. The transport asks {@link #canAccept()} before it takes the next
 * message off the connection, so a subscriber that does not request holds the process back.
 *
 * <p>Thread-safe; the subscriber's methods are never called concurrently.
 */
final class OutputChannel implements Flow.Publisher<ByteBuffer> {
  /** Bytes kept for a subscriber still to come before the process is held back. */
  static final long UNCLAIMED_WINDOW = 1L << 20;
  /** Chunks queued ahead of a subscriber's demand. */
  static final int LOOKAHEAD = 8;

  private enum Mode {
    UNCLAIMED, SUBSCRIBED, COLLECTING
  }

  private final String name;
  private final long collectLimit;
  private final Runnable capacityChanged;
  private final Runnable finished;
  private final Object lock = new Object();
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private final AtomicInteger work = new AtomicInteger();
  private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
  private long queuedBytes;
  private Mode mode = Mode.UNCLAIMED;
  private Flow.Subscriber<? super ByteBuffer> subscriber;
  private long demand;
  private boolean cancelled;
  private boolean ended;
  private Throwable failure;
  private boolean done;
  private boolean overflowed;

  /**
   * @param name "stdout" or "stderr", for messages
   * @param collectLimit the most bytes collected as text
   * @param capacityChanged told (on any thread) when {@link #canAccept()} may have turned true
   * @param finished told once the stream is over for whoever reads it
   */
  OutputChannel(String name, long collectLimit, Runnable capacityChanged, Runnable finished) {
    this.name = name;
    this.collectLimit = collectLimit;
    this.capacityChanged = capacityChanged;
    this.finished = finished;
  }

  /** Whether the next chunk may be taken off the connection. */
  boolean canAccept() {
    synchronized (lock) {
      return switch (mode) {
        case UNCLAIMED -> queuedBytes < UNCLAIMED_WINDOW;
        case SUBSCRIBED -> cancelled || queue.size() < LOOKAHEAD;
        case COLLECTING -> true;
      };
    }
  }

  /**
   * Takes a chunk of the stream.
   *
   * @return false if collecting it went over the limit (the chunk is dropped)
   */
  boolean offer(ByteBuffer chunk) {
    synchronized (lock) {
      if (ended) {
        return true;
      }
      switch (mode) {
        case COLLECTING -> {
          if (collected.size() + (long) chunk.remaining() > collectLimit) {
            overflowed = true;
            return false;
          }
          collected.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
          return true;
        }
        case SUBSCRIBED -> {
          if (cancelled) {
            return true;
          }
          queue.add(chunk);
        }
        case UNCLAIMED -> {
          queue.add(chunk);
          queuedBytes += chunk.remaining();
        }
        default -> throw new IllegalStateException();
      }
    }
    drain();
    return true;
  }

  /** The stream is over: normally ({@code error} null) or because the connection failed. */
  void end(Throwable error) {
    boolean tellNow;
    synchronized (lock) {
      if (ended) {
        return;
      }
      ended = true;
      failure = error;
      // Unclaimed, the stream is over once a subscriber got it all, or once it is collected.
      tellNow = mode == Mode.COLLECTING;
      if (tellNow) {
        done = true;
      }
    }
    if (tellNow) {
      finished.run();
    } else {
      drain();
    }
  }

  /**
   * The result is wanted: if nobody subscribed, the stream is collected as text from now on,
   * what waited included.
   */
  void collect() {
    boolean over;
    synchronized (lock) {
      if (mode != Mode.UNCLAIMED) {
        return;
      }
      mode = Mode.COLLECTING;
      over = ended && !done;
      if (over) {
        done = true;
      }
      for (ByteBuffer chunk : queue) {
        if (collected.size() + (long) chunk.remaining() > collectLimit) {
          overflowed = true;
          break;
        }
        collected.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
      }
      queue.clear();
      queuedBytes = 0;
    }
    capacityChanged.run();
    if (over) {
      finished.run();
    }
  }

  /** Whether collecting went over the limit. */
  boolean overflowed() {
    synchronized (lock) {
      return overflowed;
    }
  }

  /** What was collected (what waited, if nobody subscribed), as UTF-8 text; empty if subscribed. */
  String text() {
    synchronized (lock) {
      if (mode == Mode.SUBSCRIBED) {
        return "";
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.writeBytes(collected.toByteArray());
      for (ByteBuffer chunk : queue) {
        all.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
      }
      return all.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * Subscribes {@code s}, or throws if the stream already has a subscriber.
   *
   * @throws IllegalStateException if it has one, or is being collected
   */
  void subscribeOrThrow(Flow.Subscriber<? super ByteBuffer> s) {
    synchronized (lock) {
      if (mode != Mode.UNCLAIMED) {
        throw new IllegalStateException(taken());
      }
    }
    subscribe(s);
  }

  private String taken() {
    return "the process's " + name + " already has a subscriber"
        + (mode == Mode.COLLECTING ? " (its result was asked for first, which collects it)" : "");
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
    Objects.requireNonNull(s, "subscriber");
    synchronized (lock) {
      if (mode == Mode.UNCLAIMED) {
        mode = Mode.SUBSCRIBED;
        subscriber = s;
        queuedBytes = 0;
      } else {
        s.onSubscribe(new Flow.Subscription() {
          @Override
          public void request(long n) {
          }

          @Override
          public void cancel() {
          }
        });
        s.onError(new IllegalStateException(taken()));
        return;
      }
    }
    s.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        if (n <= 0) {
          synchronized (lock) {
            cancelled = true;
            queue.clear();
            ended = true;
            failure = new IllegalArgumentException("request(" + n + "): demand must be positive");
          }
          drainTerminal();
          return;
        }
        synchronized (lock) {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
        drain();
      }

      @Override
      public void cancel() {
        boolean tell;
        synchronized (lock) {
          cancelled = true;
          queue.clear();
          tell = !done;
          done = true;
        }
        capacityChanged.run();
        if (tell) {
          finished.run();
        }
      }
    });
    drain();
  }

  /** Delivers a failure from {@code request} after the subscription's methods returned. */
  private void drainTerminal() {
    Flow.Subscriber<? super ByteBuffer> s;
    Throwable error;
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      s = subscriber;
      error = failure;
    }
    s.onError(error);
    finished.run();
  }

  /** Delivers what the subscriber asked for, one caller at a time (others leave it the work). */
  private void drain() {
    if (work.getAndIncrement() != 0) {
      return;
    }
    boolean delivered = false;
    do {
      while (true) {
        ByteBuffer next = null;
        boolean complete = false;
        Throwable error = null;
        Flow.Subscriber<? super ByteBuffer> s;
        synchronized (lock) {
          s = subscriber;
          if (mode != Mode.SUBSCRIBED || done || cancelled) {
            break;
          }
          if (demand > 0 && !queue.isEmpty()) {
            next = queue.poll();
            if (demand != Long.MAX_VALUE) {
              demand--;
            }
          } else if (queue.isEmpty() && ended) {
            done = true;
            complete = true;
            error = failure;
          } else {
            break;
          }
        }
        if (next != null) {
          delivered = true;
          s.onNext(next);
        } else if (complete) {
          if (error == null) {
            s.onComplete();
          } else {
            s.onError(error);
          }
          finished.run();
          break;
        }
      }
    } while (work.decrementAndGet() != 0);
    if (delivered) {
      capacityChanged.run();
    }
  }
}
