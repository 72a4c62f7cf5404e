package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxGoneException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxRestartedException;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices, from the states of one ready sandbox's claim, that its pod was replaced: the claim's
 * {@code Ready} condition went away from {@code True} and came back, or its pod IPs changed
 * (the controller mirrors both from the Sandbox). A pod that was only briefly unready keeps its
 * IPs and is not taken for a replacement, unless no IPs are reported (controller v0.1.0).
 * Thread-safe.
 */
public final class RestartTracker {
  private static final Logger LOG = LoggerFactory.getLogger(RestartTracker.class);

  private final SandboxRef ref;
  private final String readyResourceVersion;
  private List<String> podIPs;
  private boolean down;
  private long replacements;
  private Replacement pending;

  private record Replacement(List<String> previous, List<String> current) {
  }

  /**
   * @param ref the sandbox
   * @param ready the claim as it was when judged ready: the baseline
   */
  RestartTracker(SandboxRef ref, HasMetadata ready, SandboxClaimStatus status) {
    this.ref = ref;
    this.readyResourceVersion = ready.getMetadata().getResourceVersion();
    this.podIPs = podIPs(status);
  }

  /** Takes in a state of the claim, from the watch or from a read. */
  public synchronized void observe(HasMetadata claim, SandboxClaimStatus status) {
    if (claim.getMetadata().getDeletionTimestamp() != null
        || notNewer(claim.getMetadata().getResourceVersion())) {
      // A deleted claim is reported by SandboxGoneException; an older state (a shared watch
      // catching up, or a warm pool's adoption before Ready) says nothing about the pod.
      return;
    }
    ClaimReadiness readiness = ClaimReadiness.of(claim, status);
    List<String> ips = podIPs(status);
    if (!(readiness instanceof ClaimReadiness.Ready)) {
      if (!down) {
        LOG.debug("SandboxClaim {}/{} no longer ready: {}", ref.namespace(), ref.claimName(),
            readiness);
      }
      down = true;
      return;
    }
    boolean changed = !ips.isEmpty() && !podIPs.isEmpty() && !Set.copyOf(ips).equals(Set.copyOf(podIPs));
    boolean unknown = ips.isEmpty() || podIPs.isEmpty();
    if (changed || down && unknown) {
      replacements++;
      pending = new Replacement(podIPs, ips);
      LOG.info("Sandbox {} of SandboxClaim {}/{} was restarted on a new pod (pod IPs {} -> {})",
          ref.sandboxName(), ref.namespace(), ref.claimName(), podIPs, ips);
    }
    if (!ips.isEmpty()) {
      podIPs = ips;
    }
    down = false;
  }

  /** Whether a replacement was noticed and not yet reported. */
  synchronized boolean restartPending() {
    return pending != null;
  }

  /** How many replacements were noticed so far; a mark to compare with after a call. */
  synchronized long mark() {
    return replacements;
  }

  /** Throws, once, for a replacement noticed and not yet reported. */
  void throwIfRestarted() {
    Optional<SandboxRestartedException> restarted = take(-1, null);
    if (restarted.isPresent()) {
      throw restarted.get();
    }
  }

  /**
   * The exception a call that failed with {@code failure} throws: this one reported as a
   * replacement if one was noticed since {@code mark}, else {@code failure}.
   */
  RuntimeException failed(long mark, RuntimeException failure) {
    if (!(failure instanceof SandboxException) || failure instanceof SandboxGoneException
        || failure instanceof SandboxInterruptedException
        || failure instanceof SandboxRestartedException) {
      return failure;
    }
    return take(mark, failure).<RuntimeException>map(r -> r).orElse(failure);
  }

  private synchronized Optional<SandboxRestartedException> take(long mark, Throwable cause) {
    if (pending == null || mark >= 0 && replacements <= mark) {
      return Optional.empty();
    }
    Replacement r = pending;
    pending = null;
    return Optional.of(new SandboxRestartedException(ref.sandboxName(), r.previous(),
        r.current(), ref.claimName(), ref.namespace(), cause));
  }

  /** Whether {@code rv} is not later than the ready state's (numeric on every known server). */
  private boolean notNewer(String rv) {
    if (rv == null || readyResourceVersion == null) {
      return false;
    }
    if (rv.equals(readyResourceVersion)) {
      return true;
    }
    try {
      return Long.parseLong(rv) < Long.parseLong(readyResourceVersion);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static List<String> podIPs(SandboxClaimStatus status) {
    List<String> ips = Optional.ofNullable(status).map(SandboxClaimStatus::sandbox)
        .map(ClaimedSandbox::podIPs).orElse(List.of());
    return ips.stream().filter(ip -> ip != null && !ip.isBlank()).toList();
  }
}
