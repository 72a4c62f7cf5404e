package dev.agentsandbox.router.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the long-lived connections each client address holds through the router, and refuses
 * one over the limit. Thread-safe.
 */
public final class ClientConnectionLimit {
  private final int max;
  private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

  /**
   * Creates a limit.
   *
   * @param max most connections per client address, 0 for no limit
   */
  public ClientConnectionLimit(int max) {
    this.max = max;
  }

  /** The most connections per client, 0 for no limit. */
  public int max() {
    return max;
  }

  /**
   * Takes a connection slot for a client.
   *
   * @return false if the client already holds the most connections it may; then nothing was taken
   */
  public boolean tryAcquire(String client) {
    if (max == 0) {
      return true;
    }
    boolean[] taken = new boolean[1];
    counts.compute(client, (key, count) -> {
      int held = count == null ? 0 : count;
      if (held >= max) {
        return count;
      }
      taken[0] = true;
      return held + 1;
    });
    return taken[0];
  }

  /** Gives back a slot taken by {@link #tryAcquire}; call it exactly once per slot. */
  public void release(String client) {
    if (max == 0) {
      return;
    }
    counts.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
  }

  /** How many connections a client holds now. */
  public int held(String client) {
    return counts.getOrDefault(client, 0);
  }
}
