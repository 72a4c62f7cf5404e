package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ClaimFailedException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxReadyTimeoutException;
import dev.agentsandbox.client.TemplateNotFoundException;
import dev.agentsandbox.client.WarmPoolNotFoundException;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for one claim to become ready with a single watch on it (field selector on its name),
 * starting at a known resourceVersion. Events are handed to the waiting thread through a queue,
 * so every decision is made on the caller's thread and the deadline stays absolute across
 * re-watches.
 */
public final class SandboxClaimWatcher<T extends CustomResource<?, SandboxClaimStatus>> {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxClaimWatcher.class);
  private static final long RETRY_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Resource<T> claim;
  private final String claimName;
  private final String namespace;
  private final String templateName;
  private final String warmPoolName;

  /**
   * @param api the claim's API version
   * @param created the claim as created, which names it and, for messages, its template or
   *     warm pool
   */
  SandboxClaimWatcher(ClaimApi<T> api, T created) {
    ObjectMeta meta = created.getMetadata();
    this.namespace = meta.getNamespace();
    this.claimName = meta.getName();
    this.claim = api.in(namespace).withName(claimName);
    this.templateName = api.templateName(created).orElse(null);
    this.warmPoolName = api.warmPoolName(created).orElse(null);
  }

  /**
   * Blocks until the claim is ready or failed.
   *
   * @param resourceVersion where to start watching, usually the create's
   * @param deadlineNanos {@link System#nanoTime()} value at which to give up
   * @param timeout the configured timeout, for the message
   * @return the name of the sandbox serving the claim
   * @throws TemplateNotFoundException if the template is missing
   * @throws ClaimFailedException on a terminal condition or deletion
   * @throws SandboxReadyTimeoutException when the deadline passes
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public String awaitReady(String resourceVersion, long deadlineNanos, Duration timeout)
      throws InterruptedException {
    T ready = awaitReadyClaim(resourceVersion, deadlineNanos, timeout);
    return ((ClaimReadiness.Ready) judge(ready)).sandboxName();
  }

  /**
   * Like {@link #awaitReady}, but returns the claim as it was when judged ready, so its pod IPs
   * and resourceVersion can serve as the baseline for noticing a restart.
   */
  public T awaitReadyClaim(String resourceVersion, long deadlineNanos, Duration timeout)
      throws InterruptedException {
    String lastState = "no status yet";
    String rv = resourceVersion;
    // Restarts without any event in between; beyond the first, pause so a watch that keeps
    // failing does not turn into a tight loop against the API server.
    int idleRestarts = 0;
    boolean firstWatch = true;
    while (true) {
      BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
      Watch watch = null;
      boolean pause = false;
      try {
        watch = claim.watch(new ListOptionsBuilder().withResourceVersion(rv).build(),
            new QueueingWatcher<T>(signals));
      } catch (KubernetesClientException e) {
        pause = watchStartFailed(e, rv);
      }
      if (watch != null) {
        try {
          if (firstWatch) {
            firstWatch = false;
            // A watch replays from rv on a real API server, but not on every server (the
            // embedded one starts at "now"): one read after the watch is open closes that gap.
            T current = relist();
            if (current == null) {
              throw deleted();
            }
            if (decide(judge(current)) != null) {
              return current;
            }
          }
          while (true) {
            long remaining = deadlineNanos - System.nanoTime();
            Signal signal = remaining <= 0 ? null : signals.poll(remaining, TimeUnit.NANOSECONDS);
            if (signal == null) {
              throw new SandboxReadyTimeoutException(timeout, lastState, claimName, namespace);
            }
            if (signal instanceof Closed closed) {
              LOG.debug("Watch on SandboxClaim {}/{} closed ({}); re-listing", namespace, claimName,
                  closed.cause().isHttpGone() ? "410 Gone" : closed.cause().getMessage());
              break;
            }
            idleRestarts = 0;
            Event event = (Event) signal;
            if (event.action() == Watcher.Action.DELETED) {
              throw deleted();
            }
            if (event.action() == Watcher.Action.ERROR || event.claim() == null) {
              continue;
            }
            @SuppressWarnings("unchecked")
            T seen = (T) event.claim();
            ClaimReadiness readiness = judge(seen);
            if (decide(readiness) != null) {
              return seen;
            }
            lastState = ((ClaimReadiness.Pending) readiness).description();
            LOG.debug("SandboxClaim {}/{} not ready: {}", namespace, claimName, lastState);
          }
        } finally {
          watch.close();
        }
      }
      idleRestarts++;
      if (pause || idleRestarts > 1) {
        long nanos = Math.min(RETRY_PAUSE_NANOS, deadlineNanos - System.nanoTime());
        if (nanos > 0) {
          TimeUnit.NANOSECONDS.sleep(nanos);
        }
      }
      if (deadlineNanos - System.nanoTime() <= 0) {
        throw new SandboxReadyTimeoutException(timeout, lastState, claimName, namespace);
      }
      T current = relist();
      if (current == null) {
        throw deleted();
      }
      ClaimReadiness readiness = judge(current);
      if (decide(readiness) != null) {
        return current;
      }
      lastState = ((ClaimReadiness.Pending) readiness).description();
      rv = current.getMetadata().getResourceVersion();
    }
  }

  /** Returns the sandbox name when ready, null when pending, throws when failed. */
  private String decide(ClaimReadiness readiness) {
    if (readiness instanceof ClaimReadiness.Ready ready) {
      return ready.sandboxName();
    }
    if (readiness instanceof ClaimReadiness.TemplateMissing missing) {
      throw new TemplateNotFoundException(templateName != null ? templateName
          : "(the template of warm pool '" + warmPoolName + "')", claimName, namespace,
          missing.message());
    }
    if (readiness instanceof ClaimReadiness.Failed failed
        && ClaimReadiness.WARM_POOL_NOT_FOUND.equals(failed.reason())) {
      throw new WarmPoolNotFoundException(warmPoolName, failed.message(), claimName, namespace);
    }
    if (readiness instanceof ClaimReadiness.Failed failed) {
      throw new ClaimFailedException(failed.reason(), failed.message(), claimName, namespace);
    }
    return null;
  }

  /**
   * Classifies a failure to start the watch.
   *
   * @return whether to pause before re-listing (false when the resourceVersion is just gone)
   * @throws SandboxException when retrying cannot help
   */
  private boolean watchStartFailed(KubernetesClientException e, String rv)
      throws InterruptedException {
    throwIfInterrupted(e);
    if (e.getCode() == HttpURLConnection.HTTP_GONE) {
      LOG.debug("resourceVersion {} of SandboxClaim {}/{} is gone; re-listing", rv, namespace, claimName);
      return false;
    }
    if (isPermanent(e.getCode())) {
      throw new SandboxException("Cannot watch SandboxClaim '" + claimName + "' in namespace '"
          + namespace + "' (HTTP " + e.getCode() + "): check that your credentials may watch "
          + "sandboxclaims", claimName, namespace, e);
    }
    LOG.debug("Watch on SandboxClaim {}/{} failed to start; retrying", namespace, claimName, e);
    return true;
  }

  private ClaimReadiness judge(T current) {
    return ClaimReadiness.of(current, current.getStatus());
  }

  private T relist() throws InterruptedException {
    try {
      return claim.get();
    } catch (KubernetesClientException e) {
      throwIfInterrupted(e);
      throw new SandboxException("Cannot read SandboxClaim '" + claimName + "' in namespace '"
          + namespace + "' while waiting for it (HTTP " + e.getCode() + "): " + e.getMessage(),
          claimName, namespace, e);
    }
  }

  private ClaimFailedException deleted() {
    return new ClaimFailedException(ClaimFailedException.REASON_DELETED,
        "the claim was deleted while waiting for it to become ready", claimName, namespace);
  }

  private static boolean isPermanent(int code) {
    return code == HttpURLConnection.HTTP_UNAUTHORIZED || code == HttpURLConnection.HTTP_FORBIDDEN
        || code == HttpURLConnection.HTTP_NOT_FOUND || code == HttpURLConnection.HTTP_BAD_REQUEST;
  }

  static void throwIfInterrupted(KubernetesClientException e) throws InterruptedException {
    if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
      Thread.interrupted();
      InterruptedException interrupted = new InterruptedException("interrupted during a Kubernetes call");
      interrupted.initCause(e);
      throw interrupted;
    }
  }

  private sealed interface Signal {
  }

  private record Event(Watcher.Action action, Object claim) implements Signal {
  }

  private record Closed(WatcherException cause) implements Signal {
  }

  private static final class QueueingWatcher<T> implements Watcher<T> {
    private final BlockingQueue<Signal> signals;

    QueueingWatcher(BlockingQueue<Signal> signals) {
      this.signals = signals;
    }

    @Override
    public void eventReceived(Action action, T resource) {
      signals.add(new Event(action, resource));
    }

    @Override
    public void onClose(WatcherException cause) {
      signals.add(new Closed(cause));
    }
  }
}
