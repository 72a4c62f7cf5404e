package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ClaimFailedException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxGoneException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a SandboxClaim at a given {@link ClaimApi} version: create it, read it, wait until
 * it is ready, tell whether it is gone, delete it. Knows nothing of sandboxes, connections or
 * telemetry. Every method blocks for its API calls; thread-safe.
 */
public final class ClaimLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimLifecycle.class);
  private static final int CREATE_ATTEMPTS = 3;

  private final Clock clock;
  private final RandomGenerator random;

  /** @param random source of claim names; null for a thread-local one */
  public ClaimLifecycle(Clock clock, RandomGenerator random) {
    this.clock = clock;
    this.random = random;
  }

  /**
   * Creates a claim for {@code options} under a fresh name. A name taken already is replaced by
   * another, up to three times; a create whose answer was lost finds its own claim. When the
   * request may have been sent but failed, the claim is deleted before the exception leaves.
   *
   * @param traceContext JSON for the trace-context annotation, or null
   * @throws SandboxInterruptedException if the thread was interrupted
   * @throws SandboxException if the claim cannot be created
   */
  public <T extends CustomResource<?, SandboxClaimStatus>> T create(ClaimApi<T> api,
      SandboxOptions options, String namespace, String traceContext) {
    for (int attempt = 1; ; attempt++) {
      String name = ClaimNames.generate(random != null ? random : ThreadLocalRandom.current());
      T claim = api.newClaim(new ClaimRequest(name, namespace, options, clock.instant(),
          traceContext));
      try {
        return api.in(namespace).resource(claim).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          // fabric8 re-sends a request whose answer was lost; the claim it then finds may be
          // the one this very request created.
          T ours = findOwnClaim(api, claim);
          if (ours != null) {
            return ours;
          }
          if (attempt < CREATE_ATTEMPTS) {
            continue;
          }
        }
        boolean interrupted = Thread.currentThread().isInterrupted()
            || e.getCause() instanceof InterruptedException;
        if (e.getCode() == 0 || e.getCode() >= 500 || interrupted) {
          // The request may have been sent: make sure no claim is left behind.
          deleteQuietly(api, namespace, name);
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
          InterruptedException cause = new InterruptedException("interrupted while creating a claim");
          cause.initCause(e);
          throw new SandboxInterruptedException("Interrupted while creating SandboxClaim '" + name
              + "' in namespace '" + namespace + "'; the claim was deleted", name, namespace,
              cause);
        }
        throw new SandboxException("Could not create a SandboxClaim (" + api.version() + ") in "
            + "namespace '" + namespace + "'" + (e.getCode() == 0 ? "" : " (HTTP " + e.getCode()
            + ")") + ": " + e.getMessage() + ". Check that the agent-sandbox CRDs are installed, "
            + "the namespace exists and your credentials may create sandboxclaims", null,
            namespace, e);
      }
    }
  }

  private static <T extends CustomResource<?, SandboxClaimStatus>> T findOwnClaim(
      ClaimApi<T> api, T sent) {
    T stored;
    try {
      stored = api.in(sent.getMetadata().getNamespace()).withName(sent.getMetadata().getName())
          .get();
    } catch (KubernetesClientException e) {
      return null;
    }
    return stored != null && api.sameRequest(stored, sent) ? stored : null;
  }

  /**
   * Reads a claim.
   *
   * @return the claim, or null if there is none at this version
   * @throws SandboxException if it cannot be read
   */
  public <T extends CustomResource<?, SandboxClaimStatus>> T find(ClaimApi<T> api,
      String namespace, String claimName) {
    try {
      return api.in(namespace).withName(claimName).get();
    } catch (KubernetesClientException e) {
      throw new SandboxException("Cannot read SandboxClaim '" + claimName + "' in namespace '"
          + namespace + "' (HTTP " + e.getCode() + "): " + e.getMessage(), claimName, namespace, e);
    }
  }

  /**
   * Waits until {@code claim} is ready (PROTOCOL section 2.4).
   *
   * @param deadline {@link System#nanoTime()} value at which to give up
   * @param readyTimeout the whole wait, for the timeout's message
   * @return the claim as it was judged ready
   * @throws InterruptedException if interrupted while waiting
   */
  public <T extends CustomResource<?, SandboxClaimStatus>> T awaitReady(ClaimApi<T> api,
      T claim, long deadline, Duration readyTimeout) throws InterruptedException {
    return api.watcher(claim).awaitReadyClaim(claim.getMetadata().getResourceVersion(), deadline,
        readyTimeout);
  }

  /**
   * Whether the claim of a ready sandbox is gone, after a call to it failed with
   * {@code failure}: deleted, being deleted, or failed for good (expired). One read of the
   * claim; empty when it is still there or cannot be read.
   */
  public Optional<SandboxGoneException> gone(ClaimApi<?> api, SandboxRef ref,
      SandboxException failure, RestartTracker restarts) {
    CustomResource<?, SandboxClaimStatus> claim;
    try {
      claim = api.in(ref.namespace()).withName(ref.claimName()).get();
    } catch (KubernetesClientException e) {
      LOG.debug("Cannot read SandboxClaim {}/{} after a failed call: {}", ref.namespace(),
          ref.claimName(), e.toString());
      return Optional.empty();
    }
    if (claim == null) {
      return Optional.of(new SandboxGoneException(ClaimFailedException.REASON_DELETED, null,
          ref.claimName(), ref.namespace(), failure));
    }
    if (ClaimReadiness.of(claim, claim.getStatus()) instanceof ClaimReadiness.Failed failed) {
      return Optional.of(new SandboxGoneException(failed.reason(), failed.message(),
          ref.claimName(), ref.namespace(), failure));
    }
    // The read may show the pod replaced before the watch does.
    restarts.observe(claim, claim.getStatus());
    return Optional.empty();
  }

  /**
   * Deletes a claim (absent counts as deleted), even on an interrupted thread.
   *
   * @throws SandboxException if the API server refuses or cannot be reached
   */
  public void delete(ClaimApi<?> api, String namespace, String name) {
    // Cleanup must run even when the thread was interrupted; the flag is restored afterwards.
    boolean interrupted = Thread.interrupted();
    try {
      api.in(namespace).withName(name).delete();
    } catch (KubernetesClientException e) {
      throw new SandboxException("Could not delete SandboxClaim '" + name + "' in namespace '"
          + namespace + "' (HTTP " + e.getCode() + "): " + e.getMessage() + ". Delete it with: "
          + "kubectl delete sandboxclaim " + name + " -n " + namespace, name, namespace, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Deletes a claim; logs at WARN instead of throwing. */
  public boolean deleteQuietly(ClaimApi<?> api, String namespace, String name) {
    try {
      delete(api, namespace, name);
      return true;
    } catch (RuntimeException e) {
      LOG.warn("Could not delete SandboxClaim {}/{}: {}", namespace, name, e.getMessage());
      return false;
    }
  }

  /** Deletes the claims of sandboxes at {@code api}'s version, for their handles. */
  public ClaimDeleter deleter(ClaimApi<?> api) {
    return new ClaimDeleter() {
      @Override
      public void delete(SandboxRef ref) {
        ClaimLifecycle.this.delete(api, ref.namespace(), ref.claimName());
      }

      @Override
      public boolean deleteQuietly(SandboxRef ref) {
        return ClaimLifecycle.this.deleteQuietly(api, ref.namespace(), ref.claimName());
      }
    };
  }

  /** Checks the claims of sandboxes at {@code api}'s version, for their handles. */
  public ClaimGoneCheck goneCheck(ClaimApi<?> api) {
    return (ref, failure, restarts) -> gone(api, ref, failure, restarts);
  }
}
