package dev.agentsandbox.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingHeadersTest {
  private final RoutingHeaders headers = new RoutingHeaders("default", 180_000);

  @Test
  void onlyTheSandboxIdIsRequiredAndTheRestHasDefaults() throws Exception {
    RouteRequest route = headers.parse(MultiMap.caseInsensitiveMultiMap().add("x-sandbox-id", "my-sandbox"));
    assertEquals(new RouteRequest("default", "my-sandbox", 8888, 180_000, null), route);
  }

  @Test
  void allHeadersAreRead() throws Exception {
    RouteRequest route = headers.parse(MultiMap.caseInsensitiveMultiMap()
        .add("X-Sandbox-ID", "sb-1")
        .add("X-Sandbox-Namespace", "team-a")
        .add("X-Sandbox-Port", "8080")
        .add("X-Sandbox-Timeout", "2.5")
        .add("X-Sandbox-Pod-IP", "fd00::12"));
    assertEquals(new RouteRequest("team-a", "sb-1", 8080, 2_500, "fd00::12"), route);
  }

  @Test
  void timeoutIsRoundedUpToWholeMillisecondsAndCappedByTheRouters() throws Exception {
    assertEquals(1, timeout("0.0001"));
    assertEquals(500, timeout(".5"));
    assertEquals(3_000, timeout("3."));
    assertEquals(180_000, timeout("181"));
    assertEquals(180_000, timeout("999999999999.999999999"));
  }

  @Test
  void aSandboxIdOf63CharactersIsAccepted() throws Exception {
    String id = "a".repeat(63);
    assertEquals(id, headers.parse(MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", id)).sandboxId());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "1.2.3", "1e2", "-0.5", "0", "0.0", "NaN", "Infinity", "0x1p3", "2d", "1,5",
      "1234567890123"})
  void invalidTimeoutsAreRejected(String value) {
    InvalidHeaderException e = assertThrows(InvalidHeaderException.class, () -> timeout(value));
    assertTrue(e.getMessage().startsWith("X-Sandbox-Timeout"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "65536", "100000", "-80", "+80", "0x50", " 80", "８０"})
  void invalidPortsAreRejected(String value) {
    InvalidHeaderException e = assertThrows(InvalidHeaderException.class, () -> headers.parse(
        MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb").add("X-Sandbox-Port", value)));
    assertEquals("X-Sandbox-Port must be an integer from 1 to 65535", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.1", "127.0.0.1", "::1", "fd00:0:0::1", "2001:db8::ff00:42:8329"})
  void ipLiteralsAreAcceptedAsHints(String value) throws Exception {
    assertEquals(value, headers.parse(MultiMap.caseInsensitiveMultiMap()
        .add("X-Sandbox-ID", "sb").add("X-Sandbox-Pod-IP", value)).podIpHint());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "10.0.0", "10.0.0.1:80", "[::1]", "fe80::1%eth0", "1.2.3.4/32"})
  void anythingButAnIpLiteralIsRejectedAsHint(String value) {
    InvalidHeaderException e = assertThrows(InvalidHeaderException.class, () -> headers.parse(
        MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb").add("X-Sandbox-Pod-IP", value)));
    assertEquals("X-Sandbox-Pod-IP must be an IPv4 or IPv6 address", e.getMessage());
  }

  @Test
  void repeatedOptionalHeaderIsRejected() {
    InvalidHeaderException e = assertThrows(InvalidHeaderException.class, () -> headers.parse(
        MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb")
            .add("X-Sandbox-Namespace", "a").add("X-Sandbox-Namespace", "b")));
    assertEquals("X-Sandbox-Namespace must be given at most once", e.getMessage());
  }

  @Test
  void hintIsAbsentUnlessGiven() throws Exception {
    assertNull(headers.parse(MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb")).podIpHint());
  }

  @Test
  void dnsSubdomainsAllowATrailingDotButNoEmptyLabels() {
    assertTrue(RoutingHeaders.isDnsSubdomain("sb.default.svc.cluster.local."));
    assertTrue(!RoutingHeaders.isDnsSubdomain("sb..local"));
    assertTrue(!RoutingHeaders.isDnsSubdomain("."));
    assertTrue(!RoutingHeaders.isDnsSubdomain("evil.com:80"));
  }

  private long timeout(String value) throws InvalidHeaderException {
    return headers.parse(MultiMap.caseInsensitiveMultiMap().add("X-Sandbox-ID", "sb").add("X-Sandbox-Timeout", value))
        .timeoutMillis();
  }
}
