package dev.agentsandbox.model.internal;

import java.nio.charset.StandardCharsets;

/**
 * The short name hash used in agent-sandbox labels: FNV-1a (32 bit) of the UTF-8 bytes, as
 * eight lowercase hex digits. Label values must be short and valid, so names are hashed.
 */
public final class NameHash {
  private static final int OFFSET_BASIS = 0x811c9dc5;
  private static final int PRIME = 0x01000193;

  private NameHash() {
  }

  /**
   * Hashes {@code name}.
   *
   * @param name any string, usually a resource name
   * @return eight lowercase hex digits, zero padded
   */
  public static String of(String name) {
    int hash = OFFSET_BASIS;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      hash ^= (b & 0xff);
      hash *= PRIME;
    }
    return String.format("%08x", hash);
  }
}
