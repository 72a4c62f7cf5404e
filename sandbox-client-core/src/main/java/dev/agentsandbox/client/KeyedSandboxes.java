package dev.agentsandbox.client;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandbox per key (a user, a conversation, a chat memory id), made from the same options on
 * the key's first {@link #get(Object)} and deleted by {@link #release(Object)} or
 * {@link #close()}. This is how agent tools keep one conversation's files and processes out of
 * another's.
 *
 * <pre>{@code
 * try (KeyedSandboxes<String> perUser = KeyedSandboxes.of(fleet,
 *     SandboxOptions.ofTemplate("python-runtime-template"))) {
 *   perUser.get("alice").commands().run("python3 -V");
 *   perUser.release("alice"); // alice's session ended
 * }
 * }</pre>
 *
 * <p>With an {@link Builder#idleTimeout(Duration) idle timeout}, a key's sandbox is also deleted
 * once the key has not been asked for that long, for keys that are never released (a chat whose
 * user just left).
 *
 * <p>Thread-safe. Callers asking for the same key at once get the same sandbox, created once;
 * a failed creation is not remembered, so the next call tries again. A key released while its
 * sandbox is being created has that sandbox deleted as soon as it exists, and its creator gets
 * an {@link IllegalStateException}. Closing leaves the fleet open.
 *
 * @param <K> the key type; keys are compared with {@code equals}
 * @since 0.1.0
 */
public final class KeyedSandboxes<K> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KeyedSandboxes.class);
  /** The shortest pause between two looks for idle sandboxes. */
  private static final Duration MIN_SWEEP = Duration.ofMillis(50);

  private final SandboxFleet fleet;
  private final SandboxOptions options;
  private final @Nullable Duration idleTimeout;
  /** The sandbox of each key. */
  private final Map<K, Entry> sandboxes = new ConcurrentHashMap<>();
  /** Looks for idle sandboxes; null without an idle timeout. */
  private final @Nullable ScheduledExecutorService sweeper;
  private volatile boolean closed;

  /** A key's sandbox: a future while it is being created, and when it was last asked for. */
  private static final class Entry {
    final CompletableFuture<Sandbox> sandbox = new CompletableFuture<>();
    volatile long lastUsedNanos = System.nanoTime();
  }

  private KeyedSandboxes(Builder<K> builder) {
    this.fleet = builder.fleet;
    this.options = builder.options;
    this.idleTimeout = builder.idleTimeout;
    if (idleTimeout == null) {
      this.sweeper = null;
    } else {
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "keyed-sandboxes-idle");
        t.setDaemon(true);
        return t;
      });
      timer.setRemoveOnCancelPolicy(true);
      Duration quarter = idleTimeout.dividedBy(4);
      Duration every = quarter.compareTo(MIN_SWEEP) < 0 ? MIN_SWEEP : quarter;
      timer.scheduleWithFixedDelay(this::sweep, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
      this.sweeper = timer;
    }
  }

  /**
   * Sandboxes per key, created through {@code fleet} from {@code options}, kept until released.
   *
   * @param fleet the fleet that creates the sandboxes; stays the caller's
   * @param options what every sandbox is made from
   * @param <K> the key type
   * @return the sandboxes, none created yet
   */
  public static <K> KeyedSandboxes<K> of(SandboxFleet fleet, SandboxOptions options) {
    return new Builder<K>(fleet, options).build();
  }

  /**
   * A builder, for an {@link Builder#idleTimeout(Duration) idle timeout}.
   *
   * @param fleet the fleet that creates the sandboxes; stays the caller's
   * @param options what every sandbox is made from
   * @param <K> the key type
   * @return the builder
   */
  public static <K> Builder<K> builder(SandboxFleet fleet, SandboxOptions options) {
    return new Builder<>(fleet, options);
  }

  /**
   * The key's sandbox, created (and waited for until ready) on the key's first call.
   *
   * @param key the key, not null
   * @return the sandbox
   * @throws IllegalStateException if closed, or if the key was released while its sandbox was
   *     being created
   * @throws SandboxException if the sandbox cannot be created
   */
  public Sandbox get(K key) {
    Objects.requireNonNull(key, "key");
    requireOpen();
    Entry mine = new Entry();
    Entry existing = sandboxes.putIfAbsent(key, mine);
    if (existing != null) {
      existing.lastUsedNanos = System.nanoTime();
      try {
        return existing.sandbox.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    Sandbox sandbox;
    try {
      sandbox = fleet.create(options);
    } catch (RuntimeException e) {
      sandboxes.remove(key, mine);
      mine.sandbox.completeExceptionally(e);
      throw e;
    }
    mine.lastUsedNanos = System.nanoTime();
    mine.sandbox.complete(sandbox);
    if (closed || sandboxes.get(key) != mine) {
      sandboxes.remove(key, mine);
      terminate(sandbox);
      throw new IllegalStateException(closed ? "the keyed sandboxes are closed"
          : "the sandbox of " + key + " was released while it was being created");
    }
    return sandbox;
  }

  /**
   * Deletes the key's sandbox, if it has one; the key's next {@link #get(Object)} creates a new
   * one. A deletion that fails is logged, not thrown: the claim is then left to its lifecycle.
   *
   * @param key the key
   * @return whether the key had a sandbox (or one being created)
   */
  public boolean release(K key) {
    Entry released = sandboxes.remove(Objects.requireNonNull(key, "key"));
    if (released == null) {
      return false;
    }
    delete(released);
    return true;
  }

  /**
   * The keys that have a sandbox, or one being created.
   *
   * @return a snapshot of the keys
   */
  public Set<K> keys() {
    return Set.copyOf(sandboxes.keySet());
  }

  /** Deletes every sandbox; later {@link #get(Object)} calls throw. Idempotent. */
  @Override
  public void close() {
    closed = true;
    if (sweeper != null) {
      sweeper.shutdown(); // a sweep under way finishes its deletes
    }
    for (K key : keys()) {
      release(key);
    }
  }

  /** Releases the sandboxes whose key was not asked for within the idle timeout. */
  private void sweep() {
    long now = System.nanoTime();
    long idleNanos = Objects.requireNonNull(idleTimeout).toNanos();
    sandboxes.forEach((key, entry) -> {
      if (entry.sandbox.isDone() && now - entry.lastUsedNanos > idleNanos
          && sandboxes.remove(key, entry)) {
        LOG.info("Deleting the sandbox of {}, idle for more than {}", key, idleTimeout);
        delete(entry);
      }
    });
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the keyed sandboxes are closed");
    }
  }

  /**
   * Deletes the sandbox of an entry taken out of the map; one still being created is deleted by
   * its creator, which finds its entry gone.
   */
  private static void delete(Entry entry) {
    Sandbox sandbox = entry.sandbox.getNow(null);
    if (sandbox != null) {
      terminate(sandbox);
    }
  }

  private static void terminate(Sandbox sandbox) {
    try {
      sandbox.terminate();
    } catch (RuntimeException e) {
      LOG.warn("Could not delete sandbox claim {}/{}: {}", sandbox.namespace(),
          sandbox.claimName(), e.getMessage());
    }
  }

  /**
   * Builds {@link KeyedSandboxes}.
   *
   * @param <K> the key type
   */
  public static final class Builder<K> {
    private final SandboxFleet fleet;
    private final SandboxOptions options;
    private @Nullable Duration idleTimeout;

    private Builder(SandboxFleet fleet, SandboxOptions options) {
      this.fleet = Objects.requireNonNull(fleet, "fleet");
      this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Deletes a key's sandbox once its key has not been asked for this long (by
     * {@link KeyedSandboxes#get(Object)}); the key's next call then gets a new one. Choose it
     * above the longest a caller uses a sandbox without asking again (a command's timeout, say):
     * a sandbox in use but not asked for is deleted all the same. Unset (the default), sandboxes
     * live until released or closed. Deleting happens on a daemon thread of the instance's own.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder<K> idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive, got " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Builds the keyed sandboxes; none is created yet.
     *
     * @return the keyed sandboxes
     */
    public KeyedSandboxes<K> build() {
      return new KeyedSandboxes<>(this);
    }
  }
}
