package dev.agentsandbox.client.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps watching the claims of a fleet's ready sandboxes, so a sandbox whose pod was replaced is
 * noticed without polling (see {@link RestartTracker}). One informer per claim version and
 * namespace serves every claim this client library created there (label
 * {@code agents.x-k8s.io/created-by=java-client}); a claim attached to without that label gets
 * an informer of its own, on its name. The informers list again after a watch ends with 410
 * Gone. An informer stops when its last sandbox ends, and all of them on {@link #close()}.
 * Thread-safe.
 */
public final class ClaimRestartWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimRestartWatch.class);

  private final Map<Key, Shared<?>> informers = new HashMap<>();
  private boolean closed;

  /** One informer: the claim version, namespace, and the claim's name for a single claim. */
  private record Key(Class<?> type, String namespace, String claimName) {
  }

  private static final class Shared<T extends CustomResource<?, SandboxClaimStatus>>
      implements StateHandler<T> {
    final Map<String, RestartTracker> trackers = new ConcurrentHashMap<>();
    SharedIndexInformer<T> informer;
    CompletableFuture<Void> started;

    @Override
    public void changed(T claim) {
      RestartTracker tracker = trackers.get(claim.getMetadata().getName());
      if (tracker != null) {
        tracker.observe(claim, claim.getStatus());
      }
    }

    @Override
    public void onDelete(T claim, boolean finalStateUnknown) {
      // Reported by SandboxGoneException when a call fails.
    }
  }

  /** A sandbox being watched; {@link #close()} stops watching it. */
  public final class Registration implements AutoCloseable {
    private final Key key;
    private final String claimName;
    private final RestartTracker tracker;
    private final CompletableFuture<Void> started;

    private Registration(Key key, String claimName, RestartTracker tracker,
        CompletableFuture<Void> started) {
      this.key = key;
      this.claimName = claimName;
      this.tracker = tracker;
      this.started = started;
    }

    /**
     * Waits until the watch has listed the claims, so a change made right after this returns is
     * seen as an event rather than folded into the first listing. A watch that cannot start in
     * time is logged, and keeps trying in the background.
     *
     * @param deadlineNanos {@link System#nanoTime()} value at which to stop waiting
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitStarted(long deadlineNanos) throws InterruptedException {
      if (started == null) {
        return;
      }
      try {
        started.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        LOG.warn("The watch on SandboxClaims in namespace {} has not started within the ready "
            + "timeout; a sandbox restarted on a new pod before it starts may not be reported",
            key.namespace());
      } catch (ExecutionException e) {
        // Logged where the informer's start completes.
      }
    }

    /** What was noticed about the sandbox's pod. */
    public RestartTracker tracker() {
      return tracker;
    }

    /** The watch this registration belongs to. */
    public ClaimRestartWatch watch() {
      return ClaimRestartWatch.this;
    }

    @Override
    public void close() {
      unregister(this);
    }
  }

  /**
   * Starts watching a sandbox that just became ready.
   *
   * @param ready the claim as it was judged ready: the baseline
   */
  synchronized <T extends CustomResource<?, SandboxClaimStatus>> Registration register(
      ClaimApi<T> api, T ready, SandboxRef ref) {
    RestartTracker tracker = new RestartTracker(ref, ready, ready.getStatus());
    if (closed) {
      return new Registration(null, ref.claimName(), tracker, null);
    }
    Map<String, String> labels = ready.getMetadata().getLabels();
    boolean ours = labels != null && ClaimNames.CLIENT_ID.equals(labels.get(SandboxKeys.CREATED_BY));
    Key key = new Key(ready.getClass(), ref.namespace(), ours ? null : ref.claimName());
    @SuppressWarnings("unchecked")
    Shared<T> shared = (Shared<T>) informers.get(key);
    if (shared == null) {
      shared = new Shared<>();
      shared.trackers.put(ref.claimName(), tracker);
      try {
        shared.informer = (ours
            ? api.in(ref.namespace()).withLabel(SandboxKeys.CREATED_BY, ClaimNames.CLIENT_ID)
            : api.in(ref.namespace()).withName(ref.claimName())).runnableInformer(0);
        shared.informer.addEventHandler(shared);
        shared.started = shared.informer.start().toCompletableFuture();
        shared.started.whenComplete((ignored, failure) -> {
          if (failure != null) {
            LOG.warn("Cannot watch SandboxClaims in namespace {} ({}): a sandbox restarted on a "
                + "new pod will not be reported; check that your credentials may list and watch "
                + "sandboxclaims", ref.namespace(), failure.toString());
          }
        });
      } catch (RuntimeException e) {
        LOG.warn("Cannot watch SandboxClaims in namespace {} ({}): a sandbox restarted on a new "
            + "pod will not be reported", ref.namespace(), e.toString());
        if (shared.informer != null) {
          shared.informer.stop();
        }
        return new Registration(null, ref.claimName(), tracker, null);
      }
      informers.put(key, shared);
    } else {
      shared.trackers.put(ref.claimName(), tracker);
      // The informer may have seen the claim ready before this sandbox was registered.
      T cached = shared.informer.getStore().getByKey(ref.namespace() + "/" + ref.claimName());
      if (cached != null) {
        tracker.observe(cached, cached.getStatus());
      }
    }
    return new Registration(key, ref.claimName(), tracker, shared.started);
  }

  private synchronized void unregister(Registration registration) {
    if (registration.key == null) {
      return;
    }
    Shared<?> shared = informers.get(registration.key);
    if (shared == null || shared.trackers.get(registration.claimName) != registration.tracker) {
      return;
    }
    shared.trackers.remove(registration.claimName);
    if (shared.trackers.isEmpty()) {
      informers.remove(registration.key);
      shared.informer.stop();
    }
  }

  /** How many informers run, for tests. */
  synchronized int informerCount() {
    return informers.size();
  }

  /** Stops every informer. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    for (Shared<?> shared : informers.values()) {
      shared.informer.stop();
    }
    informers.clear();
  }
}
