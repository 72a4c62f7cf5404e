package dev.agentsandbox.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
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
}
