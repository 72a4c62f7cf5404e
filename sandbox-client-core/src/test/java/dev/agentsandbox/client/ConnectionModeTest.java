package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionModeTest {

  @ParameterizedTest
  @ValueSource(strings = {"a\r\nX-Injected: 1", "line\nbreak", "with space", "tab\there", "nul\u0000",
      "non-ascii-é", ""})
  void tokensThatCannotBeAHeaderValueAreRefusedWithoutQuotingThem(String token) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConnectionMode.direct("https://router.example.com").withAuthToken(token));

    assertTrue(e.getMessage().startsWith("router auth token"), e.getMessage());
    if (!token.isEmpty()) {
      assertFalse(e.getMessage().contains(token), e.getMessage());
    }
  }

  @Test
  void aValidTokenIsAcceptedByEveryRouterModeAndNeverPrinted() {
    String token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl-_~+/=";
    Supplier<String> supplier = () -> token;

    assertEquals(token, ConnectionMode.tunnel().withAuthToken(token).authToken().get());
    assertEquals(supplier, ConnectionMode.gateway("gw").withAuthToken(supplier).authToken());
    ConnectionMode.Direct direct = ConnectionMode.direct("http://router:8080").withAuthToken(token);
    assertFalse(direct.toString().contains(token), direct.toString());
    assertTrue(direct.toString().contains("auth token"), direct.toString());
  }

  @Test
  void gatewayDefaultsToHttpOnPort80AndHttpsOn443() {
    ConnectionMode.Gateway plain = ConnectionMode.gateway("sandbox-gateway");
    assertEquals("http", plain.scheme());
    assertEquals(80, plain.port());
    assertNull(plain.namespace());
    assertEquals(ConnectionMode.Gateway.DEFAULT_ADDRESS_TIMEOUT, plain.addressTimeout());

    ConnectionMode.Gateway tls = ConnectionMode.gateway("sandbox-gateway", "gateways").withHttps();
    assertEquals("https", tls.scheme());
    assertEquals(443, tls.port());
    assertEquals(8443, tls.withPort(8443).port());
    assertEquals("gateways", tls.namespace());
    assertEquals("sandboxes.example.com", tls.withServerName("Sandboxes.Example.COM").serverName());
  }

  @Test
  void invalidGatewaySettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.gateway("Bad_Name"));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.gateway("gw", "bad namespace"));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.gateway("gw").withPort(0));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.gateway("gw").withPort(65536));
    assertThrows(IllegalArgumentException.class,
        () -> ConnectionMode.gateway("gw").withServerName("evil.example.com\r\nX-Injected: 1"));
    assertThrows(IllegalArgumentException.class,
        () -> ConnectionMode.gateway("gw").withAddressTimeout(Duration.ZERO));
  }

  @Test
  void directUrlsMustBePlainHttpOrHttpsAndTrustNeedsHttps() {
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.direct("ftp://router"));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.direct("http://user:pw@router"));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.direct("http://router/?q=1"));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.direct("http://router/#frag"));
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.direct("http://router\r\n/"));
    TlsTrust trust = TlsTrust.of(new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    });
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.direct("http://router").withTrust(trust));
    assertEquals(trust, ConnectionMode.direct("https://router").withTrust(trust).trust());
  }

  @Test
  void inClusterUsesClusterLocalUnlessTold() {
    assertEquals("cluster.local", ConnectionMode.inCluster().clusterDomain());
    assertEquals("corp.internal", ConnectionMode.inCluster().withClusterDomain("corp.internal").clusterDomain());
    assertThrows(IllegalArgumentException.class, () -> ConnectionMode.inCluster().withClusterDomain("bad domain"));
  }

  @Test
  void pemTrustNeedsACertificate() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsTrust.pem("not a pem"));
    assertTrue(e.getMessage().contains("PEM"), e.getMessage());
  }

  @Test
  void recordConstructorsCheckTheirComponentsLikeTheFactories() {
    assertThrows(IllegalArgumentException.class,
        () -> new ConnectionMode.Direct(java.net.URI.create("ftp://router"), null, null));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionMode.Gateway("gw", null, false,
        null, 70000, null, ConnectionMode.Gateway.DEFAULT_ADDRESS_TIMEOUT, null));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionMode.Tunnel("Not_A_Label", null));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionMode.InCluster("bad domain"));
    assertEquals(ConnectionMode.direct("http://router"),
        new ConnectionMode.Direct(java.net.URI.create("http://router"), null, null));
  }
}
