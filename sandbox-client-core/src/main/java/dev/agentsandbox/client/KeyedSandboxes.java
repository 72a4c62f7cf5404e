package dev.agentsandbox.client;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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

  private final SandboxFleet fleet;
  private final SandboxOptions options;
  /** The sandbox of each key; a future while it is being created. */
  private final Map<K, CompletableFuture<Sandbox>> sandboxes = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private KeyedSandboxes(SandboxFleet fleet, SandboxOptions options) {
    this.fleet = Objects.requireNonNull(fleet, "fleet");
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Sandboxes per key, created through {@code fleet} from {@code options}.
   *
   * @param fleet the fleet that creates the sandboxes; stays the caller's
   * @param options what every sandbox is made from
   * @param <K> the key type
   * @return the sandboxes, none created yet
   */
  public static <K> KeyedSandboxes<K> of(SandboxFleet fleet, SandboxOptions options) {
    return new KeyedSandboxes<>(fleet, options);
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
    CompletableFuture<Sandbox> mine = new CompletableFuture<>();
    CompletableFuture<Sandbox> existing = sandboxes.putIfAbsent(key, mine);
    if (existing != null) {
      try {
        return existing.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    Sandbox sandbox;
    try {
      sandbox = fleet.create(options);
    } catch (RuntimeException e) {
      sandboxes.remove(key, mine);
      mine.completeExceptionally(e);
      throw e;
    }
    mine.complete(sandbox);
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
    CompletableFuture<Sandbox> released = sandboxes.remove(Objects.requireNonNull(key, "key"));
    if (released == null) {
      return false;
    }
    // One still being created is deleted by its creator, which finds it gone from the map.
    Sandbox sandbox = released.getNow(null);
    if (sandbox != null) {
      terminate(sandbox);
    }
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
    for (K key : keys()) {
      release(key);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the keyed sandboxes are closed");
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
}
