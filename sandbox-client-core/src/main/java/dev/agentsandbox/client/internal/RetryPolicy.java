package dev.agentsandbox.client.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Bounded exponential backoff with jitter for idempotent requests (PROTOCOL section 6).
 *
 * @param maxAttempts total attempts including the first, at least 1
 * @param initialBackoff delay before the first retry, before jitter
 * @param maxBackoff cap on any delay
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  /** Four attempts, 100 ms doubling up to 2 s: rides out a router restart, gives up in seconds. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }

  /**
   * The delay before retry number {@code retry} (1 for the first retry): the exponential delay
   * capped at {@code maxBackoff}, of which a random half is dropped so that many clients
   * failing together do not retry in lockstep.
   */
  public Duration backoff(int retry, RandomGenerator random) {
    long base = initialBackoff.toMillis();
    long exp = retry >= 31 ? Long.MAX_VALUE : base << Math.max(0, retry - 1);
    long capped = Math.min(maxBackoff.toMillis(), exp < 0 ? Long.MAX_VALUE : exp);
    long half = capped / 2;
    return Duration.ofMillis(half + (half > 0 ? random.nextLong(half + 1) : 0));
  }
}
