package dev.agentsandbox.client.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleanup that must happen when the JVM shuts down with clients still open ({@code System.exit},
 * the end of {@code main}, SIGTERM or Ctrl-C): one JVM shutdown hook for every open client,
 * added with the first task, runs the tasks still registered, one after the other, each
 * isolated from the others' failures. A JVM that is killed (SIGKILL, the OOM killer, a crash)
 * runs no hook; a claim's {@code ttl} is the backstop then. Thread-safe.
 */
public final class ShutdownCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(ShutdownCleanup.class);
  /** Registered tasks, in registration order; guarded by itself. */
  private static final Set<Task> TASKS = new LinkedHashSet<>();
  private static boolean hookAdded;

  private ShutdownCleanup() {
  }

  /**
   * Registers work for the JVM's shutdown, until {@link Task#close()} drops it.
   *
   * @param description what the work cleans up, for the log
   * @param work must not throw; blocks the JVM's exit while it runs
   * @return the registration; close it when the work is no longer needed
   */
  public static Task register(String description, Runnable work) {
    Task task = new Task(description, work);
    synchronized (TASKS) {
      if (!hookAdded) {
        try {
          Runtime.getRuntime().addShutdownHook(
              new Thread(ShutdownCleanup::runAll, "sandbox-client-shutdown"));
          hookAdded = true;
        } catch (IllegalStateException e) {
          LOG.debug("The JVM is shutting down; {} is not cleaned up at exit", description);
          return task;
        }
      }
      TASKS.add(task);
    }
    return task;
  }

  private static void runAll() {
    List<Task> due;
    synchronized (TASKS) {
      due = new ArrayList<>(TASKS);
    }
    for (Task task : due) {
      task.run();
    }
  }

  /** A task that never runs, for when there is nothing to clean up at shutdown. */
  public static Task none() {
    Task task = new Task("nothing", () -> { });
    task.finished.set(true);
    return task;
  }

  /** One registered piece of work. */
  public static final class Task implements AutoCloseable {
    private final String description;
    private final Runnable work;
    private final AtomicBoolean finished = new AtomicBoolean();

    private Task(String description, Runnable work) {
      this.description = description;
      this.work = work;
    }

    /** Does the work now, as the hook would, unless it ran or was dropped; never throws. */
    public void run() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      forget();
      try {
        work.run();
      } catch (RuntimeException | Error e) {
        LOG.warn("Cleanup of {} at shutdown failed: {}", description, e.toString());
      }
    }

    /** Drops the work: it will not run. Idempotent. */
    @Override
    public void close() {
      finished.set(true);
      forget();
    }

    private void forget() {
      synchronized (TASKS) {
        TASKS.remove(this);
      }
    }
  }
}
