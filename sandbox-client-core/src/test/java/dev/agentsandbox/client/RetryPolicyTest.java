package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void backoffGrowsExponentiallyWithJitterAndStaysUnderTheCap() {
    RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(2));
    SplittableRandom random = new SplittableRandom(1);
    for (int retry = 1; retry <= 40; retry++) {
      long full = Math.min(2000, retry > 10 ? 2000 : 100L << (retry - 1));
      for (int i = 0; i < 50; i++) {
        long delay = policy.backoff(retry, random).toMillis();
        assertTrue(delay >= full / 2 && delay <= full, "retry " + retry + ": " + delay);
      }
    }
  }

  @Test
  void noneNeverWaitsAndMakesOneAttempt() {
    assertEquals(1, RetryPolicy.none().maxAttempts());
    assertEquals(Duration.ZERO, RetryPolicy.none().backoff(1, new SplittableRandom(1)));
  }

  @Test
  void outOfRangeValuesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.of(0, Duration.ZERO, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.of(101, Duration.ZERO, Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.of(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.of(3, Duration.ofMillis(-1), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.of(3, Duration.ZERO, Duration.ofHours(1)));
  }
}
