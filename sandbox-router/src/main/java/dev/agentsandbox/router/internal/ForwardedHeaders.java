package dev.agentsandbox.router.internal;

import dev.agentsandbox.model.internal.RouterProtocol;
import io.vertx.core.MultiMap;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Decides which headers cross the router, in each direction. */
final class ForwardedHeaders {
  private static final String ROUTING_PREFIX = RouterProtocol.HEADER_PREFIX.toLowerCase(Locale.ROOT);
  private static final Set<String> HOP_BY_HOP = caseInsensitive(
      "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE",
      "Trailer", "Transfer-Encoding", "Upgrade");
  // Host is set for the upstream; Authorization is for the router's clients, not the sandbox;
  // Expect is answered by the router itself.
  private static final Set<String> REQUEST_ONLY = caseInsensitive("Host", "Authorization", "Expect");

  private ForwardedHeaders() {
  }

  /** Copies end-to-end request headers, without routing, credential or hop-by-hop headers. */
  static void copyRequestHeaders(MultiMap from, MultiMap to) {
    Set<String> named = connectionTokens(from);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (HOP_BY_HOP.contains(name)
          || REQUEST_ONLY.contains(name)
          || name.regionMatches(true, 0, ROUTING_PREFIX, 0, ROUTING_PREFIX.length())
          || (named != null && named.contains(name))) {
        continue;
      }
      to.add(name, header.getValue());
    }
  }

  /**
   * Copies the headers of a WebSocket handshake: as {@link #copyRequestHeaders}, keeping the
   * {@code Sec-WebSocket-*} headers for the sandbox to answer, without {@code Origin}, and with
   * the {@code Upgrade} and {@code Connection} headers the upgrade needs at every hop.
   */
  static void copyUpgradeRequestHeaders(MultiMap from, MultiMap to) {
    copyRequestHeaders(from, to);
    // The router replaces Host, so an Origin naming the router's address would not match it,
    // and a sandbox checking Origin against Host (as Jupyter does) would refuse the upgrade.
    to.remove("Origin");
    to.set("Connection", "Upgrade");
    to.set("Upgrade", "websocket");
  }

  /** Copies the headers of a sandbox's {@code 101} answer to a WebSocket handshake. */
  static void copyUpgradeResponseHeaders(MultiMap from, MultiMap to) {
    copyResponseHeaders(from, to);
    to.set("Connection", "Upgrade");
    to.set("Upgrade", "websocket");
  }

  /** Copies end-to-end response headers, without hop-by-hop headers. */
  static void copyResponseHeaders(MultiMap from, MultiMap to) {
    Set<String> named = connectionTokens(from);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (HOP_BY_HOP.contains(name) || (named != null && named.contains(name))) {
        continue;
      }
      to.add(name, header.getValue());
    }
  }

  private static Set<String> connectionTokens(MultiMap headers) {
    List<String> values = headers.getAll("Connection");
    if (values.isEmpty()) {
      return null;
    }
    Set<String> tokens = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String value : values) {
      for (String token : value.split(",")) {
        String trimmed = token.trim();
        if (!trimmed.isEmpty()) {
          tokens.add(trimmed);
        }
      }
    }
    return tokens;
  }

  private static Set<String> caseInsensitive(String... names) {
    Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    set.addAll(List.of(names));
    return Collections.unmodifiableSet(set);
  }
}
