package dev.agentsandbox.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How requests to a sandbox are retried; the one place that says which requests are.
 *
 * <ul>
 *   <li><b>Retried</b> on HTTP 502, 503 or 504 and on connection failures other than a read
 *       timeout: whole-file reads and downloads (until a byte was written to the caller's sink),
 *       listings, existence checks, and <b>whole-file writes</b> ({@code write(path, byte[])},
 *       {@code write(path, String)}, {@code upload(path, Path)}): the runtime renames a complete
 *       upload into place, so sending the same file twice leaves the same file.
 *   <li><b>Sent again only if it provably never reached the sandbox</b> (the connection could not
 *       be made, the tunnel never forwarded its bytes, or a router answered that it could not
 *       connect to the sandbox): a command ({@code run}) and a streamed upload
 *       ({@code upload(path, InputStream)}, and then only while none of the stream was read).
 *       Otherwise the failure says the request may have reached the sandbox.
 * </ul>
 *
 * <p>Delays grow exponentially from {@code initialBackoff}, are capped at {@code maxBackoff}, and
 * a random half of each is dropped so that many clients failing together do not retry in
 * lockstep. Set with {@link SandboxFleet.Builder#retryPolicy(RetryPolicy)}.
 *
 * <pre>{@code
 * SandboxClient.builder().retryPolicy(RetryPolicy.of(6, Duration.ofMillis(200), Duration.ofSeconds(5)));
 * SandboxClient.builder().retryPolicy(RetryPolicy.none());
 * }</pre>
 *
 * @param maxAttempts total attempts including the first, 1 to 100
 * @param initialBackoff delay before the first retry, before jitter; not negative
 * @param maxBackoff cap on any delay; not shorter than {@code initialBackoff}
 * @since 0.1.0
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  private static final int MAX_ATTEMPTS = 100;
  private static final Duration MAX_DELAY = Duration.ofMinutes(10);
  /** Four attempts, 100 ms doubling up to 2 s: rides out a router restart, gives up in seconds. */
  private static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2));

  /**
   * Validates the policy.
   *
   * @throws IllegalArgumentException if a value is out of range
   * @throws NullPointerException if a duration is null
   */
  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException("maxAttempts must be between 1 and " + MAX_ATTEMPTS
          + ", got " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0
        || maxBackoff.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException("backoff must satisfy 0 <= initialBackoff <= maxBackoff <= "
          + MAX_DELAY + ", got " + initialBackoff + " and " + maxBackoff);
    }
  }

  /**
   * The default policy: four attempts, 100 ms doubling up to 2 s, which rides out a router
   * restart and gives up within seconds.
   *
   * @return the default policy
   */
  public static RetryPolicy defaults() {
    return DEFAULT;
  }

  /**
   * A policy that never retries.
   *
   * @return one attempt
   */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /**
   * A policy with the given limits.
   *
   * @param maxAttempts total attempts including the first, 1 to 100
   * @param initialBackoff delay before the first retry, before jitter
   * @param maxBackoff cap on any delay, at most 10 minutes
   * @return the policy
   * @throws IllegalArgumentException if a value is out of range
   */
  public static RetryPolicy of(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff);
  }
}
