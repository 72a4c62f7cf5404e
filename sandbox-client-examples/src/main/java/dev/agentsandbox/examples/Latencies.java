package dev.agentsandbox.examples;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of measured latencies, printed one line per measurement for the benchmarks. */
final class Latencies {
  private Latencies() {
  }

  /**
   * Prints the count, median, 99th percentile and maximum of {@code nanos}.
   *
   * @param width how wide the column of {@code what} is
   */
  static void report(String what, int width, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "%-" + width + "s n=%-5d p50 %8.3f ms   p99 %8.3f ms   max %8.3f ms%n",
        what, sorted.length, millis(sorted, 0.50), millis(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
  }

  private static double millis(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }
}
