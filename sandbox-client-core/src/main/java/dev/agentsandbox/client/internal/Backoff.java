package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.RetryPolicy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/** The waits between the attempts a {@link RetryPolicy} allows. */
final class Backoff {
  private Backoff() {
  }

  /**
   * The delay before retry number {@code retry} (1 for the first retry): the exponential delay
   * capped at the policy's {@code maxBackoff}, of which a random half is dropped.
   *
   * @return a delay between half the capped delay and the capped delay
   */
  static Duration delay(RetryPolicy policy, int retry, RandomGenerator random) {
    long base = policy.initialBackoff().toMillis();
    long exp = retry >= 31 ? Long.MAX_VALUE : base << Math.max(0, retry - 1);
    long capped = Math.min(policy.maxBackoff().toMillis(), exp);
    long half = capped / 2;
    return Duration.ofMillis(half + (half > 0 ? random.nextLong(half + 1) : 0));
  }
}
