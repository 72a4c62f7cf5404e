package dev.agentsandbox.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The shipped CRDs: derived from the model, and interchangeable with the reference v0.4.6 ones
 * (a copy of which lives in the test resources under {@code reference-crds/v0.4.6}).
 */
class CrdsTest {

  @Test
  void shippedDefinitionsAreTheOnesDerivedFromTheModel() throws IOException {
    if (Boolean.getBoolean("crds.update")) {
      CrdGenerator.write(Path.of("").toAbsolutePath());
    }
    Map<String, CustomResourceDefinition> generated = CrdGenerator.generate();
    List<CustomResourceDefinition> shipped = AgentSandboxCrds.load();
    assertEquals(AgentSandboxCrds.FILE_NAMES, List.copyOf(generated.keySet()));
    for (int i = 0; i < shipped.size(); i++) {
      String file = AgentSandboxCrds.FILE_NAMES.get(i);
      assertEquals(Serialization.asYaml(generated.get(file)), Serialization.asYaml(shipped.get(i)),
          file + " is stale: run the module's tests with -Dcrds.update=true and commit the result");
    }
  }

  @Test
  void shippedDefinitionsHaveTheReferenceNamesScopeAndSubresources() throws IOException {
    List<CustomResourceDefinition> shipped = AgentSandboxCrds.load();
    for (int i = 0; i < shipped.size(); i++) {
      CustomResourceDefinition ours = shipped.get(i);
      CustomResourceDefinition reference = reference(AgentSandboxCrds.FILE_NAMES.get(i));
      assertEquals(reference.getMetadata().getName(), ours.getMetadata().getName());
      assertEquals(reference.getSpec().getGroup(), ours.getSpec().getGroup());
      assertEquals(reference.getSpec().getNames(), ours.getSpec().getNames());
      assertEquals(reference.getSpec().getScope(), ours.getSpec().getScope());
      assertEquals(1, ours.getSpec().getVersions().size());
      CustomResourceDefinitionVersion refVersion = reference.getSpec().getVersions().get(0);
      CustomResourceDefinitionVersion version = ours.getSpec().getVersions().get(0);
      assertEquals(refVersion.getName(), version.getName());
      assertEquals(refVersion.getServed(), version.getServed());
      assertEquals(refVersion.getStorage(), version.getStorage());
      assertEquals(refVersion.getSubresources(), version.getSubresources(), ours.getMetadata().getName());
      assertEquals(refVersion.getAdditionalPrinterColumns(), version.getAdditionalPrinterColumns());
    }
  }

  @Test
  void shippedSchemasHaveEveryReferenceFieldWithTheSameType() throws IOException {
    List<CustomResourceDefinition> shipped = AgentSandboxCrds.load();
    for (int i = 0; i < shipped.size(); i++) {
      String file = AgentSandboxCrds.FILE_NAMES.get(i);
      Map<String, String> ours = fields(schema(shipped.get(i)));
      Map<String, String> reference = fields(schema(reference(file)));
      assertEquals(reference.size(), ours.size(), file + " differs: " + difference(reference, ours));
      assertEquals(reference, ours, file + " differs: " + difference(reference, ours));
    }
  }

  @Test
  void shippedSchemasHaveTheReferenceDefaultsEnumsBoundsAndRequiredFields() throws IOException {
    List<CustomResourceDefinition> shipped = AgentSandboxCrds.load();
    for (int i = 0; i < shipped.size(); i++) {
      String file = AgentSandboxCrds.FILE_NAMES.get(i);
      // Validation inside the embedded Kubernetes types (pod spec, PVC spec, NetworkPolicy rules)
      // is the API server's job when the pod, PVC or policy is created; compare only ours.
      assertEquals(validation(schema(reference(file))), validation(schema(shipped.get(i))), file);
    }
  }

  @Test
  void everyCrdCarriesTheStatusSubresourceAndScaleWhereTheReferenceHasIt() {
    List<CustomResourceDefinition> shipped = AgentSandboxCrds.load();
    for (CustomResourceDefinition crd : shipped) {
      assertNotNull(crd.getSpec().getVersions().get(0).getSubresources().getStatus(), crd.getMetadata().getName());
    }
    assertEquals(".spec.replicas", shipped.get(0).getSpec().getVersions().get(0).getSubresources().getScale()
        .getSpecReplicasPath());
    assertEquals(".status.selector", shipped.get(3).getSpec().getVersions().get(0).getSubresources().getScale()
        .getLabelSelectorPath());
  }

  private static CustomResourceDefinition reference(String file) throws IOException {
    try (InputStream in = CrdsTest.class.getResourceAsStream("/reference-crds/v0.4.6/" + file)) {
      return Serialization.unmarshal(Objects.requireNonNull(in, file), CustomResourceDefinition.class);
    }
  }

  private static JSONSchemaProps schema(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  }

  /** Field path to type, e.g. {@code .spec.replicas -> integer/int32}. */
  private static Map<String, String> fields(JSONSchemaProps root) {
    Map<String, String> out = new TreeMap<>();
    walk(root, "", (path, s) -> {
      String type = Boolean.TRUE.equals(s.getXKubernetesIntOrString()) ? "int-or-string" : s.getType();
      String format = "date-time".equals(s.getFormat()) || "integer".equals(type) ? "/" + s.getFormat() : "";
      out.put(path, type + format);
    }, false);
    return out;
  }

  /** Path to the validation of the agent-sandbox fields themselves. */
  private static Map<String, String> validation(JSONSchemaProps root) {
    Map<String, String> out = new TreeMap<>();
    walk(root, "", (path, s) -> {
      String v = "default=" + s.getDefault() + " enum=" + s.getEnum() + " min=" + s.getMinimum() + " max=" + s.getMaximum()
          + " required=" + s.getRequired() + " pattern=" + s.getPattern() + " listType=" + s.getXKubernetesListType();
      out.put(path, v);
    }, true);
    return out;
  }

  private static void walk(JSONSchemaProps s, String path, java.util.function.BiConsumer<String, JSONSchemaProps> visit,
      boolean ownFieldsOnly) {
    visit.accept(path, s);
    if (ownFieldsOnly && embeddedKubernetesType(path)) {
      return;
    }
    if (s.getProperties() != null) {
      s.getProperties().forEach((name, child) -> walk(child, path + "." + name, visit, ownFieldsOnly));
    }
    if (s.getItems() != null && s.getItems().getSchema() != null) {
      walk(s.getItems().getSchema(), path + "[]", visit, ownFieldsOnly);
    }
    if (s.getAdditionalProperties() != null && s.getAdditionalProperties().getSchema() != null) {
      walk(s.getAdditionalProperties().getSchema(), path + "{}", visit, ownFieldsOnly);
    }
  }

  private static boolean embeddedKubernetesType(String path) {
    return path.endsWith(".podTemplate.spec") || path.endsWith(".volumeClaimTemplates[].spec")
        || path.endsWith(".networkPolicy.ingress[]") || path.endsWith(".networkPolicy.egress[]");
  }

  private static String difference(Map<String, String> reference, Map<String, String> ours) {
    List<String> lines = new ArrayList<>();
    reference.forEach((k, v) -> {
      if (!v.equals(ours.get(k))) {
        lines.add("reference " + k + "=" + v + " ours=" + ours.get(k));
      }
    });
    ours.forEach((k, v) -> {
      if (!reference.containsKey(k)) {
        lines.add("extra " + k + "=" + v);
      }
    });
    return lines.size() + " differences\n" + String.join("\n", lines.subList(0, Math.min(lines.size(), 80)));
  }
}
