package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.internal.KubernetesNames;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ClaimNamesTest {
  @Test
  void namesArePrefixPlusEightLowercaseHexDigits() {
    RandomGenerator random = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      String name = ClaimNames.generate(random);
      assertTrue(name.matches("sandbox-claim-[0-9a-f]{8}"), name);
      assertTrue(KubernetesNames.isLabel(name), name);
    }
    assertEquals("sandbox-claim-00000000", ClaimNames.generate(new FixedInt(0)));
    assertEquals("sandbox-claim-ffffffff", ClaimNames.generate(new FixedInt(-1)));
  }

  @Test
  void requestTimeIsRfc3339Utc() {
    assertEquals("2025-11-24T10:15:30Z", ClaimNames.rfc3339(Instant.parse("2025-11-24T10:15:30Z")));
    assertEquals("2025-11-24T10:15:30.123Z",
        ClaimNames.rfc3339(Instant.parse("2025-11-24T10:15:30.123456Z")));
  }

  private record FixedInt(int value) implements RandomGenerator {
    @Override
    public long nextLong() {
      return value;
    }

    @Override
    public int nextInt() {
      return value;
    }
  }
}
