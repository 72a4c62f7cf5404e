package dev.agentsandbox.router.internal;

import dev.agentsandbox.model.internal.KubernetesNames;
import dev.agentsandbox.model.internal.RouterProtocol;
import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.regex.Pattern;

/** Parses and validates the {@code X-Sandbox-*} request headers. Thread-safe. */
public final class RoutingHeaders {
  /** Name of the sandbox; required. */
  public static final String SANDBOX_ID = RouterProtocol.HEADER_SANDBOX_ID;
  /** Namespace of the sandbox; optional. */
  public static final String SANDBOX_NAMESPACE = RouterProtocol.HEADER_SANDBOX_NAMESPACE;
  /** Runtime port; optional. */
  public static final String SANDBOX_PORT = RouterProtocol.HEADER_SANDBOX_PORT;
  /** Upstream timeout in seconds; optional. */
  public static final String SANDBOX_TIMEOUT = RouterProtocol.HEADER_SANDBOX_TIMEOUT;
  /** Pod IP hint; optional. */
  public static final String SANDBOX_POD_IP = RouterProtocol.HEADER_SANDBOX_POD_IP;
  /** Runtime port used when the request names none. */
  public static final int DEFAULT_PORT = RouterProtocol.RUNTIME_PORT;

  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");
  // Deliberately narrower than Double.parseDouble: no sign, exponent, hex, NaN or Infinity.
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}(\\.[0-9]{0,9})?|\\.[0-9]{1,9}");

  private final String defaultNamespace;
  private final long maxTimeoutMillis;

  /**
   * Creates a parser.
   *
   * @param defaultNamespace namespace for requests without {@code X-Sandbox-Namespace}
   * @param maxTimeoutMillis the router's upstream timeout, which a request can only shorten
   */
  public RoutingHeaders(String defaultNamespace, long maxTimeoutMillis) {
    this.defaultNamespace = defaultNamespace;
    this.maxTimeoutMillis = maxTimeoutMillis;
  }

  /**
   * Validates the routing headers of a request.
   *
   * @throws InvalidHeaderException naming the header and the problem, if one is missing,
   *     repeated or invalid
   */
  public RouteRequest parse(MultiMap headers) throws InvalidHeaderException {
    String id = single(headers, SANDBOX_ID);
    if (id == null) {
      throw new InvalidHeaderException(SANDBOX_ID + " header is required");
    }
    if (!isDnsLabel(id)) {
      throw new InvalidHeaderException(SANDBOX_ID + " must be a DNS-1123 label: at most 63 lowercase letters,"
          + " digits and '-', starting and ending with a letter or digit");
    }
    String namespace = single(headers, SANDBOX_NAMESPACE);
    if (namespace == null) {
      namespace = defaultNamespace;
    } else if (!isDnsLabel(namespace)) {
      throw new InvalidHeaderException(SANDBOX_NAMESPACE + " must be a DNS-1123 label: at most 63 lowercase"
          + " letters, digits and '-', starting and ending with a letter or digit");
    }
    return new RouteRequest(namespace, id, port(single(headers, SANDBOX_PORT)),
        timeoutMillis(single(headers, SANDBOX_TIMEOUT)), podIp(single(headers, SANDBOX_POD_IP)));
  }

  /** True if {@code value} is a DNS-1123 label (a Kubernetes name or namespace). */
  public static boolean isDnsLabel(String value) {
    return KubernetesNames.isLabel(value);
  }

  /** True if {@code value} is a DNS-1123 subdomain, optionally with a trailing dot. */
  public static boolean isDnsSubdomain(String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    String name = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
    if (name.isEmpty() || name.length() > 253) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (!isDnsLabel(label)) {
        return false;
      }
    }
    return true;
  }

  /** True if {@code value} is an IPv4 literal or an IPv6 literal without brackets or zone. */
  public static boolean isIpLiteral(String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    // Netty also accepts "[::1]" and zone IDs; neither can be a pod IP.
    return NetUtil.isValidIpV4Address(value)
        || (value.charAt(0) != '[' && value.indexOf('%') < 0 && NetUtil.isValidIpV6Address(value));
  }

  private static String single(MultiMap headers, String name) throws InvalidHeaderException {
    List<String> values = headers.getAll(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw new InvalidHeaderException(name + " must be given at most once");
    }
    return values.get(0);
  }

  private static int port(String value) throws InvalidHeaderException {
    if (value == null) {
      return DEFAULT_PORT;
    }
    int port = DIGITS.matcher(value).matches() ? Integer.parseInt(value) : 0;
    if (port < 1 || port > 65535) {
      throw new InvalidHeaderException(SANDBOX_PORT + " must be an integer from 1 to 65535");
    }
    return port;
  }

  private long timeoutMillis(String value) throws InvalidHeaderException {
    if (value == null) {
      return maxTimeoutMillis;
    }
    if (!SECONDS.matcher(value).matches()) {
      throw new InvalidHeaderException(SANDBOX_TIMEOUT + " must be a positive decimal number of seconds, like 30 or 2.5");
    }
    BigDecimal seconds = new BigDecimal(value.startsWith(".") ? "0" + value : value);
    if (seconds.signum() <= 0) {
      throw new InvalidHeaderException(SANDBOX_TIMEOUT + " must be a positive decimal number of seconds, like 30 or 2.5");
    }
    long millis = seconds.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
    return Math.min(millis, maxTimeoutMillis);
  }

  private static String podIp(String value) throws InvalidHeaderException {
    if (value == null) {
      return null;
    }
    if (!isIpLiteral(value)) {
      throw new InvalidHeaderException(SANDBOX_POD_IP + " must be an IPv4 or IPv6 address");
    }
    return value;
  }
}
