package dev.agentsandbox.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Waits in tests for an object of a cluster to reach a state, through a watch: it returns as
 * soon as the state is reached, and never sleeps.
 *
 * <pre>{@code
 * SandboxClaim ready = ClusterAwaits.state(
 *     client.resources(SandboxClaim.class).withName("my-claim"),
 *     c -> c != null && c.getStatus() != null,
 *     Duration.ofSeconds(30));
 * ClusterAwaits.absent(client.pods().withName(podName), Duration.ofSeconds(30));
 * ClusterAwaits.items(client.resources(Sandbox.class).withLabel("team", "a"),
 *     sandboxes -> sandboxes.size() == 3, Duration.ofSeconds(30));
 * }</pre>
 *
 * @since 0.1.0
 */
public final class ClusterAwaits {
  private ClusterAwaits() {
  }

  /**
   * Blocks until the object's state satisfies {@code condition}, at most {@code timeout}, and
   * returns that state. The condition sees {@code null} while the object does not exist. The
   * watch opens before the current state is read, so no change in between is missed.
   *
   * @throws AssertionError if the state is not reached in time (with the last state seen), or
   *     the watch fails for good
   */
  public static <T extends HasMetadata> T state(Resource<T> resource, Predicate<? super T> condition,
      Duration timeout) {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(timeout, "timeout");
    CompletableFuture<T> reached = new CompletableFuture<>();
    try (Watch ignored = resource.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T object) {
        T state = action == Action.DELETED ? null : object;
        if (condition.test(state)) {
          reached.complete(state);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        reached.completeExceptionally(cause);
      }
    })) {
      T current = resource.get();
      if (condition.test(current)) {
        return current;
      }
      return reached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted while waiting for the object's state", e);
    } catch (ExecutionException e) {
      throw new AssertionError("The watch failed before the object reached the expected state: "
          + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("Not in the expected state after " + timeout + ": " + resource.get(), e);
    }
  }

  /**
   * Blocks until the object does not exist (deleted, or never created), at most {@code timeout}.
   *
   * @throws AssertionError if it still exists then
   */
  public static <T extends HasMetadata> void absent(Resource<T> resource, Duration timeout) {
    state(resource, Objects::isNull, timeout);
  }

  /**
   * Blocks until the objects {@code objects} selects (a kind in a namespace or in all, with
   * label or field filters) satisfy {@code condition} as a list, at most {@code timeout}, and
   * returns that list. The objects are listed again after every change the watch reports; the
   * watch opens before the first list, so no change in between is missed.
   *
   * @throws AssertionError if the condition does not hold in time (with the names last listed),
   *     or the watch fails for good
   */
  public static <T extends HasMetadata> List<T> items(
      FilterWatchListDeletable<T, ? extends KubernetesResourceList<T>, ?> objects,
      Predicate<? super List<T>> condition, Duration timeout) {
    Objects.requireNonNull(objects, "objects");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(timeout, "timeout");
    Changes<T> changes = new Changes<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    List<T> items;
    try (Watch ignored = objects.watch(changes)) {
      while (true) {
        long seen = changes.count();
        items = objects.list().getItems();
        if (condition.test(items)) {
          return items;
        }
        if (!changes.awaitBeyond(seen, deadline)) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted while waiting for the objects' state", e);
    }
    throw new AssertionError("Not in the expected state after " + timeout + ": "
        + items.stream().map(i -> i.getMetadata().getName()).toList());
  }

  /** Counts the changes a watch reports, for a thread that waits for the next one. */
  private static final class Changes<T> implements Watcher<T> {
    private long count;
    private WatcherException failure;

    @Override
    public synchronized void eventReceived(Action action, T object) {
      count++;
      notifyAll();
    }

    @Override
    public synchronized void onClose(WatcherException cause) {
      failure = cause;
      notifyAll();
    }

    synchronized long count() {
      return count;
    }

    /** Waits until more than {@code seen} changes were reported; false at the deadline. */
    synchronized boolean awaitBeyond(long seen, long deadline) throws InterruptedException {
      while (count == seen) {
        if (failure != null) {
          throw new AssertionError("The watch failed before the objects reached the expected state: "
              + failure, failure);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }
}
