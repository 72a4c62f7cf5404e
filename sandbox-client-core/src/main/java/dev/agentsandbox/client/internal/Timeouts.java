package dev.agentsandbox.client.internal;

import java.time.Duration;
import java.util.Objects;

/** The range every timeout of the client accepts. */
public final class Timeouts {
  /** Longest accepted timeout. */
  public static final Duration MAX = Duration.ofHours(24);

  private Timeouts() {
  }

  /**
   * Checks a timeout.
   *
   * @return the timeout
   * @throws IllegalArgumentException naming {@code name} if not positive or above {@link #MAX}
   */
  public static Duration require(String name, Duration timeout) {
    Objects.requireNonNull(timeout, name);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + timeout);
    }
    if (timeout.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(name + " must be at most " + MAX + ", got " + timeout);
    }
    return timeout;
  }
}
