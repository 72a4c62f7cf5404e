package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Custom resources are pruned, defaulted and validated by their definitions' schemas, as an API server does. */
class CustomResourceSchemasTest {
  private static final String CLAIMS = "extensions.agents.x-k8s.io/v1alpha1";
  private static final String SANDBOXES = "agents.x-k8s.io/v1alpha1";

  private LocalApiServer api;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    api = LocalApiServer.start((ns, pod) -> Optional.empty());
    client = api.newClient();
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  private static GenericKubernetesResource claim(String name, Object spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion(CLAIMS).withKind("SandboxClaim")
        .withNewMetadata().withName(name).endMetadata().addToAdditionalProperties("spec", spec).build();
  }

  @Test
  void aClaimWithAWrongFieldTypeIsRejectedAsInvalid() {
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () ->
        client.genericKubernetesResources(CLAIMS, "SandboxClaim").inNamespace("default")
            .resource(claim("wrong", Map.of("sandboxTemplateRef", Map.of("name", 42)))).create());
    assertEquals(422, e.getCode());
    assertTrue(e.getMessage().contains("spec.sandboxTemplateRef.name"), e.getMessage());
    assertTrue(client.genericKubernetesResources(CLAIMS, "SandboxClaim").inNamespace("default").list().getItems()
        .isEmpty(), "nothing is stored");
  }

  @Test
  void aMissingRequiredFieldIsRejected() {
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () ->
        client.genericKubernetesResources(CLAIMS, "SandboxClaim").inNamespace("default")
            .resource(claim("unnamed", Map.of("sandboxTemplateRef", Map.of()))).create());
    assertEquals(422, e.getCode());
    assertTrue(e.getMessage().contains("name"), e.getMessage());
  }

  @Test
  void undeclaredFieldsArePrunedAndDefaultsApplied() {
    GenericKubernetesResource sandbox = new GenericKubernetesResourceBuilder().withApiVersion(SANDBOXES)
        .withKind("Sandbox").withNewMetadata().withName("box").endMetadata()
        .addToAdditionalProperties("spec", Map.of("podTemplate", Map.of("spec", Map.of("containers",
            java.util.List.of(Map.of("name", "c", "image", "i")))), "surplus", "dropped"))
        .build();
    GenericKubernetesResource stored = client.genericKubernetesResources(SANDBOXES, "Sandbox").inNamespace("default")
        .resource(sandbox).create();
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) stored.getAdditionalProperties().get("spec");
    assertFalse(spec.containsKey("surplus"), "undeclared fields are pruned: " + spec);
    assertEquals(1, ((Number) spec.get("replicas")).intValue(), "the schema's default: " + spec);
  }

  @Test
  void aPatchThatBreaksTheSchemaIsRejectedAndChangesNothing() {
    client.genericKubernetesResources(CLAIMS, "SandboxClaim").inNamespace("default")
        .resource(claim("patched", Map.of("sandboxTemplateRef", Map.of("name", "t")))).create();
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () ->
        client.genericKubernetesResources(CLAIMS, "SandboxClaim").inNamespace("default").withName("patched")
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"sandboxTemplateRef\":{\"name\":[1]}}}"));
    assertEquals(422, e.getCode());
    GenericKubernetesResource kept = client.genericKubernetesResources(CLAIMS, "SandboxClaim").inNamespace("default")
        .withName("patched").get();
    assertEquals("t", ((Map<?, ?>) ((Map<?, ?>) kept.getAdditionalProperties().get("spec"))
        .get("sandboxTemplateRef")).get("name"));
  }
}
