package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.RetryPolicy;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delaysGrowExponentiallyWithJitterAndStayUnderTheCap() {
    RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(2));
    SplittableRandom random = new SplittableRandom(1);
    for (int retry = 1; retry <= 40; retry++) {
      long full = Math.min(2000, retry > 10 ? 2000 : 100L << (retry - 1));
      for (int i = 0; i < 50; i++) {
        long delay = Backoff.delay(policy, retry, random).toMillis();
        assertTrue(delay >= full / 2 && delay <= full, "retry " + retry + ": " + delay);
      }
    }
  }

  @Test
  void noneNeverWaits() {
    assertEquals(Duration.ZERO, Backoff.delay(RetryPolicy.none(), 1, new SplittableRandom(1)));
  }
}
