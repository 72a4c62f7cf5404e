package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelKindsTest {
  private static final String CLAIM_EVENT = "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":"
      + "\"extensions.agents.x-k8s.io/v1alpha1\",\"kind\":\"SandboxClaim\",\"metadata\":{\"name\":\"c\"},"
      + "\"spec\":{\"sandboxTemplateRef\":{\"name\":\"t\"}}}}";

  private final KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.empty()).build();

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void watchEventsOfTheModelKindsAreReadIntoTheModelClasses() {
    assertInstanceOf(GenericKubernetesResource.class,
        client.getKubernetesSerialization().unmarshal(CLAIM_EVENT, WatchEvent.class).getObject());

    ModelKinds.register(client);

    Object object = client.getKubernetesSerialization().unmarshal(CLAIM_EVENT, WatchEvent.class).getObject();
    SandboxClaim claim = assertInstanceOf(SandboxClaim.class, object);
    assertEquals("t", claim.getSpec().sandboxTemplateRef().name());
  }

  @Test
  void aClassTheApplicationRegisteredForAKindIsKept() {
    client.getKubernetesSerialization().registerKubernetesResource("agents.x-k8s.io/v1alpha1", "Sandbox", OwnSandbox.class);

    ModelKinds.register(client);

    assertEquals(OwnSandbox.class, client.getKubernetesSerialization()
        .getRegisteredKubernetesResource("agents.x-k8s.io/v1alpha1", "Sandbox"));
    assertEquals(SandboxClaim.class, client.getKubernetesSerialization()
        .getRegisteredKubernetesResource("extensions.agents.x-k8s.io/v1alpha1", "SandboxClaim"));
  }

  /** An application's own class for the Sandbox kind. */
  public static class OwnSandbox extends Sandbox {
  }
}
