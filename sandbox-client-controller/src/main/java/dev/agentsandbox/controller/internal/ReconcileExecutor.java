package dev.agentsandbox.controller.internal;

import java.time.Duration;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads the Operator SDK runs reconciles on, shared by all reconcilers.
 *
 * <p>Waiting work is taken in the order it is due, not in the order it came. A reconcile of a
 * SandboxWarmPool is due {@link #POOL_DEFERRAL} after it was submitted; every other reconcile
 * is due at once. So while the workers are busy, claims and Sandboxes go first and pools are
 * refilled after them, for at most that long; when a worker is free, nothing waits.
 *
 * <p>The threads are named {@code sandbox-reconciler-N}, in the thread group
 * {@code sandbox-reconcilers} (the Operator SDK renames a thread while it reconciles; the group
 * stays).
 *
 * <p>An exception that escapes a task is logged, and the thread goes on with the next task. Only
 * the Operator SDK's own code can throw there: it handles the reconcilers' exceptions itself.
 */
public final class ReconcileExecutor extends ThreadPoolExecutor {
  /** How long a warm pool's reconcile can be put behind other work. */
  public static final Duration POOL_DEFERRAL = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(ReconcileExecutor.class);
  // The Operator SDK's reconcile task describes itself as "<controller name> -> <resource>".
  private static final String POOL_TASK = WarmPoolReconciler.NAME + " -> ";
  private static final String TIMER_EVENT_SOURCE =
      "io.javaoperatorsdk.operator.processing.event.source.timer.TimerEventSource";

  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong poolTasks = new AtomicLong();

  /**
   * Creates the executor with a fixed number of threads.
   *
   * @param workers number of threads, at least 1
   */
  public ReconcileExecutor(int workers) {
    super(workers, workers, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), threads());
  }

  private static ThreadFactory threads() {
    AtomicInteger count = new AtomicInteger();
    ThreadGroup group = new ThreadGroup("sandbox-reconcilers");
    return r -> new Thread(group, r, "sandbox-reconciler-" + count.incrementAndGet());
  }

  @Override
  public void execute(Runnable command) {
    long delay = 0;
    if (command.toString().startsWith(POOL_TASK)) {
      poolTasks.incrementAndGet();
      delay = POOL_DEFERRAL.toNanos();
    }
    super.execute(new Task(command, System.nanoTime() + delay, sequence.incrementAndGet()));
  }

  /** How many warm-pool reconciles were submitted, told apart from the others. */
  public long poolTasks() {
    return poolTasks.get();
  }

  /** A submitted task with its due time; ties go in the order of submission. */
  private static final class Task implements Runnable, Comparable<Task> {
    private final Runnable command;
    private final long due;
    private final long sequence;

    Task(Runnable command, long due, long sequence) {
      this.command = command;
      this.due = due;
      this.sequence = sequence;
    }

    @Override
    public void run() {
      try {
        command.run();
      } catch (RuntimeException e) {
        if (isTimerRace(e)) {
          // The Operator SDK's timer for a resource's next reconcile was cancelled by the
          // resource's deletion just before being set: nothing to schedule for a deleted resource.
          log.debug("A resource was deleted while its reconcile finished: {}", e.toString());
        } else {
          log.error("Reconcile task {} failed", command, e);
        }
      }
    }

    @Override
    public int compareTo(Task other) {
      // Nanosecond times are compared by their difference, which survives overflow.
      long diff = due - other.due;
      return diff != 0 ? Long.signum(diff) : Long.compare(sequence, other.sequence);
    }

    @Override
    public String toString() {
      return command.toString();
    }
  }

  /** Whether this is the Operator SDK scheduling a reconcile on a timer task it just cancelled. */
  static boolean isTimerRace(RuntimeException e) {
    if (!(e instanceof IllegalStateException)) {
      return false;
    }
    for (StackTraceElement frame : e.getStackTrace()) {
      if (TIMER_EVENT_SOURCE.equals(frame.getClassName()) && "scheduleOnce".equals(frame.getMethodName())) {
        return true;
      }
    }
    return false;
  }
}
