package dev.agentsandbox.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** Waiting on the embedded cluster's objects through watches, never by sleeping. */
public final class Awaits {
  private Awaits() {
  }

  /**
   * Waits, at most {@code timeout}, until the object's state (null when absent) satisfies
   * {@code condition}, and returns that state. The watch is opened before the current state is
   * read, so no change in between is missed.
   *
   * @throws AssertionError if the state is not reached in time
   */
  public static <T extends HasMetadata> T state(Resource<T> resource, Predicate<T> condition,
      Duration timeout) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try (Watch ignored = resource.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T object) {
        T state = action == Action.DELETED ? null : object;
        if (condition.test(state)) {
          result.complete(state);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        result.completeExceptionally(cause);
      }
    })) {
      T current = resource.get();
      if (condition.test(current)) {
        return current;
      }
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("not in the expected state: " + resource.get(), e);
    }
  }
}
