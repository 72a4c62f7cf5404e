package dev.agentsandbox.testing.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the extension made for one test, class or run: values by key, and what to close when it
 * ends, closed last made first (sandboxes before the cluster they run in).
 */
public final class Scope implements AutoCloseable {
  private final Map<String, Object> values = new HashMap<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private boolean closed;

  /** The value of {@code key}, made by {@code create} the first time. */
  public synchronized <T> T computeIfAbsent(String key, Class<T> type, Supplier<T> create) {
    Object value = values.get(key);
    if (value == null) {
      if (closed) {
        throw new IllegalStateException("The test scope has ended");
      }
      value = create.get();
      values.put(key, value);
    }
    return type.cast(value);
  }

  /** Closes {@code closeable} when this scope ends; returns it. */
  public synchronized <T extends AutoCloseable> T closeAtEnd(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /**
   * Closes everything in reverse order, each even when an earlier one fails; the first failure
   * is thrown with the others suppressed.
   */
  @Override
  public void close() throws Exception {
    List<AutoCloseable> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(closeables);
    }
    closeFrom(toClose, 0);
  }

  /**
   * Closes {@code closeables} from {@code index} on, last first: try-with-resources closes each
   * after the later ones, even when they fail, and adds its failure to theirs as suppressed.
   */
  private static void closeFrom(List<AutoCloseable> closeables, int index) throws Exception {
    if (index == closeables.size()) {
      return;
    }
    try (AutoCloseable earlier = closeables.get(index)) {
      closeFrom(closeables, index + 1);
    }
  }
}
