package dev.agentsandbox.controller.internal;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Client-side rate limit on requests to the API server, like client-go's token bucket behind the
 * reference controller's {@code --kube-api-qps} and {@code --kube-api-burst}: up to {@code burst}
 * requests at once, refilled at {@code qps} per second. A request over the limit waits in the
 * calling thread.
 */
public final class RequestRateLimit implements Interceptor {
  /** Name under which the interceptor is installed on the HTTP client. */
  public static final String NAME = "agent-sandbox-rate-limit";

  private final double qps;
  private final int burst;
  private double tokens;
  private long lastNanos;

  /**
   * @param qps sustained requests per second, above 0
   * @param burst bucket size, at least 1
   * @param nowNanos the current {@link System#nanoTime()}
   * @throws IllegalArgumentException if qps or burst is out of range
   */
  public RequestRateLimit(double qps, int burst, long nowNanos) {
    if (!(qps > 0) || burst < 1) {
      throw new IllegalArgumentException("qps must be above 0 and burst at least 1, got " + qps + " and " + burst);
    }
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    long deadline = System.nanoTime() + reserve(System.nanoTime());
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Takes one token at {@code nowNanos}; returns how long the request must wait for it, in nanoseconds. */
  synchronized long reserve(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * qps / TimeUnit.SECONDS.toNanos(1));
    lastNanos = nowNanos;
    tokens -= 1;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / qps * TimeUnit.SECONDS.toNanos(1));
  }
}
