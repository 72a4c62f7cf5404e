package dev.agentsandbox.local.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Hands out distinct loopback addresses (127.100.0.1 upwards) so that every local pod has an
 * address of its own, as pods in a cluster do; released addresses are reused.
 */
final class LoopbackAddresses {
  private static final int FIRST = (127 << 24) | (100 << 16) | 1;
  private static final int LAST = (127 << 24) | (255 << 16) | (255 << 8) | 254;

  private final Deque<String> released = new ArrayDeque<>();
  private int next = FIRST;

  synchronized String allocate() {
    String reused = released.pollFirst();
    if (reused != null) {
      return reused;
    }
    while (next <= LAST) {
      int candidate = next++;
      int last = candidate & 0xff;
      if (last != 0 && last != 255) {
        return ((candidate >>> 24) & 0xff) + "." + ((candidate >>> 16) & 0xff) + "." + ((candidate >>> 8) & 0xff)
            + "." + last;
      }
    }
    throw new IllegalStateException("No free loopback address left for another local pod");
  }

  synchronized void release(String address) {
    released.addLast(address);
  }
}
