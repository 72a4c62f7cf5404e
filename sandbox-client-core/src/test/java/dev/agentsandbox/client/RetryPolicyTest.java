package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void noneMakesOneAttempt() {
    assertEquals(1, RetryPolicy.none().maxAttempts());
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
