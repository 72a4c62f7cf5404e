package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentsandbox.client.ConnectionMode;
import org.junit.jupiter.api.Test;

class GatewayAddressTest {
  @Test
  void ipv6AddressesAreBracketedInUrlsWhetherOrNotTheStatusBracketsThem() {
    ConnectionMode.Gateway gateway = ConnectionMode.gateway("gw").withPort(8080);

    assertEquals("http://[fd00::1]:8080/", GatewayConnector.url(gateway, GatewayConnector.usableAddress("fd00::1")).toString());
    assertEquals("http://[fd00::1]:8080/", GatewayConnector.url(gateway, GatewayConnector.usableAddress("[fd00::1]")).toString());
    assertEquals("http://10.0.0.7:8080/", GatewayConnector.url(gateway, GatewayConnector.usableAddress("10.0.0.7")).toString());
    assertEquals("https://gw.example.com/",
        GatewayConnector.url(gateway.withHttps().withPort(443), GatewayConnector.usableAddress("gw.example.com")).toString());
  }

  @Test
  void theServerNameIsTheUrlHostWhenSet() {
    ConnectionMode.Gateway gateway = ConnectionMode.gateway("gw").withHttps().withServerName("sandboxes.example.com");

    assertEquals("https://sandboxes.example.com/", GatewayConnector.url(gateway, "10.0.0.7").toString());
  }

  @Test
  void addressesNoRequestCouldUseAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> GatewayConnector.usableAddress("10.0.0.7\r\nHost: evil"));
    assertThrows(IllegalArgumentException.class, () -> GatewayConnector.usableAddress("a b"));
    assertThrows(IllegalArgumentException.class, () -> GatewayConnector.usableAddress(""));
    assertThrows(IllegalArgumentException.class, () -> GatewayConnector.usableAddress(null));
  }
}
