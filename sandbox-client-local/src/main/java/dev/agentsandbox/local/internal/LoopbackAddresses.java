package dev.agentsandbox.local.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out distinct loopback addresses (127.x.y.z with x from 100) so that every local pod has
 * an address of its own, as pods in a cluster do. A pod that replaces another gets a new
 * address, as in a real cluster; released addresses are reused only once the fresh ones run
 * out. Each instance
 * starts at a random 127.x.0.0/16 block, so that clusters in different JVMs rarely meet; when
 * they do, an address that turned out to be taken is simply never released.
 */
final class LoopbackAddresses {
  private static final int LAST = (127 << 24) | (255 << 16) | (255 << 8) | 254;

  private final Deque<String> released = new ArrayDeque<>();
  private int next;

  LoopbackAddresses() {
    this(100 + ThreadLocalRandom.current().nextInt(100));
  }

  LoopbackAddresses(int secondOctet) {
    next = (127 << 24) | (secondOctet << 16) | 1;
  }

  synchronized String allocate() {
    while (next <= LAST) {
      int candidate = next++;
      int last = candidate & 0xff;
      if (last != 0 && last != 255) {
        return ((candidate >>> 24) & 0xff) + "." + ((candidate >>> 16) & 0xff) + "." + ((candidate >>> 8) & 0xff)
            + "." + last;
      }
    }
    String reused = released.pollFirst();
    if (reused != null) {
      return reused;
    }
    throw new IllegalStateException("No free loopback address left for another local pod");
  }

  synchronized void release(String address) {
    released.addLast(address);
  }
}
