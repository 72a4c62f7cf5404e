package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiDiscoveryTest {
  private static final String CLAIMS_V1BETA1 = "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\","
      + "\"groupVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"resources\":[{\"name\":\"sandboxclaims\","
      + "\"namespaced\":true,\"kind\":\"SandboxClaim\",\"verbs\":[\"get\"]}]}";

  private MockWebServer apiServer;
  private KubernetesClient kubernetes;

  @BeforeEach
  void start() throws IOException {
    apiServer = new MockWebServer();
    apiServer.start();
    kubernetes = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl(apiServer.url("/").toString())
        .withRequestRetryBackoffLimit(0)
        .build()).build();
  }

  @AfterEach
  void stop() throws IOException {
    kubernetes.close();
    apiServer.shutdown();
  }

  @Test
  void aFailedDiscoveryIsAskedAgainNextTime() {
    apiServer.enqueue(new MockResponse().setResponseCode(500).setBody("{}"));
    apiServer.enqueue(json(CLAIMS_V1BETA1));
    ApiDiscovery discovery = new ApiDiscovery(kubernetes);

    assertFalse(discovery.claimsV1beta1(), "no answer: v1alpha1 for now");
    assertTrue(discovery.claimsV1beta1());
    assertTrue(discovery.claimsV1beta1());
    assertEquals(2, apiServer.getRequestCount());
  }

  @Test
  void aGroupVersionTheServerDoesNotServeIsRemembered() {
    apiServer.enqueue(new MockResponse().setResponseCode(404).setBody("{}"));
    ApiDiscovery discovery = new ApiDiscovery(kubernetes);

    assertFalse(discovery.claimsV1beta1());
    assertFalse(discovery.claimsV1beta1());
    assertEquals(1, apiServer.getRequestCount());
  }

  private static MockResponse json(String body) {
    return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
  }
}
