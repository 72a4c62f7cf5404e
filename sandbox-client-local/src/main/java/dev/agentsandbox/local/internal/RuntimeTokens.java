package dev.agentsandbox.local.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The access tokens of the sandbox runtimes of the local cluster, by pod address. Each runtime
 * pod gets a fresh random token; the runtime refuses every request without it, and only the
 * cluster's own components present it: the kubelet's readiness probes, the router and the API
 * server's port-forwards. The tokens live in this JVM's memory only: no file, no environment
 * variable, nothing a sandboxed command or another local user could read.
 *
 * <p>Thread-safe; lookups never block.
 */
public final class RuntimeTokens {
  private static final int TOKEN_BYTES = 32;

  private final SecureRandom random = new SecureRandom();
  private final Map<String, String> byAddress = new ConcurrentHashMap<>();

  /** Creates a token for the runtime about to listen on {@code address}. */
  public String issue(String address) {
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    byAddress.put(address, token);
    return token;
  }

  /** Forgets {@code token} once its runtime has stopped; a newer token of the address stays. */
  public void revoke(String address, String token) {
    byAddress.remove(address, token);
  }

  /** The token of the runtime on {@code address}, or empty if no runtime with one is there. */
  public Optional<String> forAddress(String address) {
    return Optional.ofNullable(byAddress.get(address));
  }
}
