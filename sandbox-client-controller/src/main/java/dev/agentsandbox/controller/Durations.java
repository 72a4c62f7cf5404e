package dev.agentsandbox.controller;

import java.time.Duration;
import java.util.Objects;

/** Checks of the durations in the controller's settings. */
final class Durations {

  private Durations() {
  }

  /**
   * Checks that {@code duration}, named {@code name} in the message, is positive.
   *
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is zero or negative
   */
  static void requirePositive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + duration);
    }
  }

  /**
   * Checks that {@code duration}, named {@code name} in the message, is zero or positive.
   *
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is negative
   */
  static void requireNotNegative(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + duration);
    }
  }
}
