package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.RetryPolicy;
import java.time.Duration;

/**
 * Transport settings of a {@link RuntimeHttpApi}.
 *
 * @param connectTimeout TCP connect timeout
 * @param readTimeout socket read timeout for file calls
 * @param runTimeout default command timeout
 * @param maxResponseBytes largest response body read into memory
 * @param sandboxPort runtime port sent as {@code X-Sandbox-Port}
 * @param retry backoff for idempotent calls
 */
public record HttpSettings(Duration connectTimeout, Duration readTimeout, Duration runTimeout,
    long maxResponseBytes, int sandboxPort, RetryPolicy retry) {
}
