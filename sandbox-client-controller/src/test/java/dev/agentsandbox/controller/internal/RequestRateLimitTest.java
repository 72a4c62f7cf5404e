package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestRateLimitTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void X5_aBurstPassesAtOnceThenRequestsAreSpacedAtTheRate() {
    RequestRateLimit limit = new RequestRateLimit(10, 3, 0);
    assertEquals(0, limit.reserve(0));
    assertEquals(0, limit.reserve(0));
    assertEquals(0, limit.reserve(0));
    assertEquals(SECOND / 10, limit.reserve(0), "the fourth waits for one token at 10 per second");
    assertEquals(2 * SECOND / 10, limit.reserve(0));
  }

  @Test
  void X5_tokensRefillUpToTheBurstOnly() {
    RequestRateLimit limit = new RequestRateLimit(10, 2, 0);
    limit.reserve(0);
    limit.reserve(0);
    long later = 10 * SECOND;
    assertEquals(0, limit.reserve(later));
    assertEquals(0, limit.reserve(later));
    assertEquals(SECOND / 10, limit.reserve(later));
  }

  @Test
  void X5_nonPositiveRateOrBurstIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new RequestRateLimit(0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new RequestRateLimit(1, 0, 0));
  }
}
