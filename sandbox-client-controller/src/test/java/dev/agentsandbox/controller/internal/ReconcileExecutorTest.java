package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReconcileExecutorTest {
  private final ReconcileExecutor executor = new ReconcileExecutor(1);

  @AfterEach
  void stop() throws InterruptedException {
    executor.shutdownNow();
    assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void waitingClaimAndSandboxReconcilesGoBeforeAnEarlierPoolReconcile() throws Exception {
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(4);
    List<String> order = new CopyOnWriteArrayList<>();
    executor.execute(task("sandbox-controller -> ResourceID{name='first', namespace='ns'}", () -> {
      busy.countDown();
      await(release);
    }, order, done));
    assertTrue(busy.await(10, TimeUnit.SECONDS));

    executor.execute(task("warmpool-controller -> ResourceID{name='pool', namespace='ns'}", () -> { }, order, done));
    executor.execute(task("sandboxclaim-controller -> ResourceID{name='claim', namespace='ns'}", () -> { }, order,
        done));
    executor.execute(task("sandbox-controller -> ResourceID{name='sandbox', namespace='ns'}", () -> { }, order, done));
    release.countDown();

    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(List.of("sandbox-controller", "sandboxclaim-controller", "sandbox-controller", "warmpool-controller"),
        order.stream().map(s -> s.substring(0, s.indexOf(' '))).toList());
    assertEquals(1, executor.poolTasks());
  }

  @Test
  void aPoolReconcileRunsAtOnceWhenNothingElseWaits() throws Exception {
    CompletableFuture<Void> ran = new CompletableFuture<>();
    executor.execute(task("warmpool-controller -> ResourceID{name='pool', namespace='ns'}",
        () -> ran.complete(null), new CopyOnWriteArrayList<>(), new CountDownLatch(1)));

    // Far less than the deferral: an idle worker takes it.
    ran.get(ReconcileExecutor.POOL_DEFERRAL.toSeconds() / 3, TimeUnit.SECONDS);
  }

  @Test
  void aTaskThatThrowsDoesNotEndItsThread() throws Exception {
    CompletableFuture<Thread> first = new CompletableFuture<>();
    CompletableFuture<Thread> second = new CompletableFuture<>();
    executor.execute(() -> {
      first.complete(Thread.currentThread());
      throw new IllegalStateException("Task already scheduled or cancelled");
    });
    executor.execute(() -> second.complete(Thread.currentThread()));

    Thread thread = first.get(10, TimeUnit.SECONDS);
    assertSame(thread, second.get(10, TimeUnit.SECONDS));
    assertTrue(thread.getName().startsWith("sandbox-reconciler-"), thread.getName());
    assertEquals("sandbox-reconcilers", thread.getThreadGroup().getName());
  }

  @Test
  void theOperatorSdksTimerRaceIsRecognised() {
    IllegalStateException race = new IllegalStateException("Task already scheduled or cancelled");
    race.setStackTrace(new StackTraceElement[] {
        new StackTraceElement("java.util.Timer", "sched", "Timer.java", 413),
        new StackTraceElement("java.util.Timer", "schedule", "Timer.java", 205),
        new StackTraceElement("io.javaoperatorsdk.operator.processing.event.source.timer.TimerEventSource",
            "scheduleOnce", "TimerEventSource.java", 66),
    });
    assertTrue(ReconcileExecutor.isTimerRace(race));
    assertFalse(ReconcileExecutor.isTimerRace(new IllegalStateException("something else")));
    assertFalse(ReconcileExecutor.isTimerRace(new IllegalArgumentException("Task already scheduled or cancelled")));
  }

  /** A task that describes itself as the Operator SDK's reconcile tasks do, and records its turn. */
  private static Runnable task(String description, Runnable body, List<String> order, CountDownLatch done) {
    return new Runnable() {
      @Override
      public void run() {
        order.add(description);
        body.run();
        done.countDown();
      }

      @Override
      public String toString() {
        return description;
      }
    };
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
