package dev.agentsandbox.controller;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceSubresourceScale;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsOrArray;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsOrBool;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Derives the shipped CustomResourceDefinitions from the v1alpha1 model classes: the structure
 * (every field and its type, including the embedded Kubernetes pod, PVC and NetworkPolicy types)
 * comes from the classes by Jackson introspection; defaults, enums, bounds, formats and required
 * fields, which the classes cannot express, come from the table in {@link #refinements}.
 *
 * <p>{@code CrdsTest} checks that the YAML files in {@code META-INF/agent-sandbox/crds} equal
 * this output. To regenerate them after a model change, run the module's tests with
 * {@code -Dcrds.update=true}.
 */
final class CrdGenerator {
  static final String RESOURCE_DIR = "src/main/resources/" + AgentSandboxCrds.RESOURCE_DIRECTORY;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String QUANTITY_PATTERN = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]"
      + "|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

  private CrdGenerator() {
  }

  /** The four definitions, keyed by the file name they are shipped under. */
  static Map<String, CustomResourceDefinition> generate() {
    Map<String, CustomResourceDefinition> crds = new LinkedHashMap<>();
    for (Class<? extends CustomResource<?, ?>> kind : List.of(
        Sandbox.class, SandboxClaim.class, SandboxTemplate.class, SandboxWarmPool.class)) {
      CustomResourceDefinition crd = definition(kind);
      crds.put(crd.getSpec().getGroup() + "_" + crd.getSpec().getNames().getPlural() + ".yaml", crd);
    }
    return crds;
  }

  /** Writes the definitions into the module's resources. */
  static void write(Path moduleDir) throws IOException {
    Path dir = moduleDir.resolve(RESOURCE_DIR);
    Files.createDirectories(dir);
    for (Map.Entry<String, CustomResourceDefinition> e : generate().entrySet()) {
      String header = "# Generated from the dev.agentsandbox.model.v1alpha1 classes by CrdGenerator (test sources).\n";
      Files.writeString(dir.resolve(e.getKey()), header + Serialization.asYaml(e.getValue()), StandardCharsets.UTF_8);
    }
  }

  private static CustomResourceDefinition definition(Class<? extends CustomResource<?, ?>> kind) {
    String group = HasMetadata.getGroup(kind);
    String plural = HasMetadata.getPlural(kind);
    String kindName = kind.getSimpleName();
    ParameterizedType base = (ParameterizedType) kind.getGenericSuperclass();
    JSONSchemaProps root = object();
    root.getProperties().put("apiVersion", type("string"));
    root.getProperties().put("kind", type("string"));
    root.getProperties().put("metadata", type("object"));
    root.getProperties().put("spec", schema(MAPPER.constructType(base.getActualTypeArguments()[0])));
    root.getProperties().put("status", schema(MAPPER.constructType(base.getActualTypeArguments()[1])));
    root.setRequired(List.of("spec"));
    refinements(kindName).forEach((path, refine) -> refine.accept(at(root, path)));

    CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(plural + "." + group).endMetadata()
        .withNewSpec()
        .withGroup(group)
        .withScope("Namespaced")
        .withNewNames()
        .withKind(kindName)
        .withListKind(kindName + "List")
        .withPlural(plural)
        .withSingular(kindName.toLowerCase(Locale.ROOT))
        .withShortNames(kind.getAnnotation(ShortNames.class).value())
        .endNames()
        .addNewVersion()
        .withName(HasMetadata.getVersion(kind))
        .withServed(true)
        .withStorage(true)
        .withNewSchema().withOpenAPIV3Schema(root).endSchema()
        .withNewSubresources().withNewStatus().endStatus().endSubresources()
        .endVersion()
        .endSpec()
        .build();
    var version = crd.getSpec().getVersions().get(0);
    if (kind == Sandbox.class || kind == SandboxWarmPool.class) {
      version.getSubresources().setScale(
          new CustomResourceSubresourceScale(".status.selector", ".spec.replicas", ".status.replicas"));
    }
    if (kind == SandboxWarmPool.class) {
      version.setAdditionalPrinterColumns(List.of(
          column("Ready", "integer", ".status.readyReplicas"),
          column("Age", "date", ".metadata.creationTimestamp")));
    }
    return crd;
  }

  /** What the classes cannot say: per kind, schema path to refinement. */
  private static Map<String, Consumer<JSONSchemaProps>> refinements(String kind) {
    Map<String, Consumer<JSONSchemaProps>> r = new LinkedHashMap<>();
    switch (kind) {
      case "Sandbox" -> {
        podTemplateAndVolumes(r);
        r.put("spec.replicas", s -> {
          s.setDefault(MAPPER.valueToTree(1));
          s.setMinimum(0.0);
          s.setMaximum(1.0);
        });
        r.put("spec.shutdownPolicy", s -> enumWithDefault(s, "Retain", "Delete", "Retain"));
        r.put("spec.shutdownTime", s -> s.setFormat("date-time"));
        r.put("status.replicas", s -> s.setMinimum(0.0));
        r.put("status.conditions[]", CrdGenerator::condition);
      }
      case "SandboxClaim" -> {
        r.put("spec", s -> s.setRequired(List.of("sandboxTemplateRef")));
        r.put("spec.sandboxTemplateRef", s -> s.setRequired(List.of("name")));
        r.put("spec.warmpool", s -> s.setDefault(MAPPER.valueToTree("default")));
        r.put("spec.lifecycle.shutdownPolicy", s -> enumWithDefault(s, "Retain", "Delete", "DeleteForeground", "Retain"));
        r.put("spec.lifecycle.shutdownTime", s -> s.setFormat("date-time"));
        r.put("spec.lifecycle.ttlSecondsAfterFinished", s -> s.setMinimum(0.0));
        r.put("spec.env", s -> s.setXKubernetesListType("atomic"));
        r.put("spec.env[]", s -> s.setRequired(List.of("name", "value")));
        r.put("status.conditions[]", CrdGenerator::condition);
      }
      case "SandboxTemplate" -> {
        podTemplateAndVolumes(r);
        r.put("spec.networkPolicyManagement", s -> enumWithDefault(s, "Managed", "Managed", "Unmanaged"));
        r.put("spec.envVarsInjectionPolicy", s -> enumWithDefault(s, "Disallowed", "Allowed", "Overrides", "Disallowed"));
      }
      case "SandboxWarmPool" -> {
        r.put("spec", s -> s.setRequired(List.of("replicas", "sandboxTemplateRef")));
        r.put("spec.replicas", s -> s.setMinimum(0.0));
        r.put("spec.sandboxTemplateRef", s -> s.setRequired(List.of("name")));
        r.put("spec.updateStrategy.type", s -> enumWithDefault(s, "OnReplenish", "Recreate", "OnReplenish"));
      }
      default -> throw new IllegalArgumentException(kind);
    }
    return r;
  }

  private static void podTemplateAndVolumes(Map<String, Consumer<JSONSchemaProps>> r) {
    r.put("spec", s -> s.setRequired(List.of("podTemplate")));
    r.put("spec.podTemplate", s -> {
      s.setRequired(List.of("spec"));
      s.getProperties().put("metadata", embeddedMetadata(false));
    });
    r.put("spec.podTemplate.spec", s -> {
      s.setRequired(List.of("containers"));
      // Kubernetes 1.35 fields that the fabric8 7.5 pod model does not have yet.
      JSONSchemaProps workloadRef = object();
      for (String field : List.of("name", "podGroup", "podGroupReplicaKey")) {
        workloadRef.getProperties().put(field, type("string"));
      }
      s.getProperties().put("workloadRef", workloadRef);
    });
    r.put("spec.podTemplate.spec.volumes[].projected.sources[].podCertificate",
        s -> s.getProperties().put("userAnnotations", map(type("string"))));
    r.put("spec.volumeClaimTemplates", s -> s.setXKubernetesListType("atomic"));
    r.put("spec.volumeClaimTemplates[]", s -> {
      s.setRequired(List.of("spec"));
      s.getProperties().put("metadata", embeddedMetadata(true));
    });
  }

  /** The subset of object metadata an embedded template may carry. */
  private static JSONSchemaProps embeddedMetadata(boolean withName) {
    JSONSchemaProps meta = object();
    meta.getProperties().put("annotations", map(type("string")));
    meta.getProperties().put("labels", map(type("string")));
    if (withName) {
      meta.getProperties().put("name", type("string"));
    }
    return meta;
  }

  /** The validation of the standard Kubernetes condition type. */
  private static void condition(JSONSchemaProps c) {
    Map<String, JSONSchemaProps> p = c.getProperties();
    p.get("lastTransitionTime").setFormat("date-time");
    p.get("message").setMaxLength(32768L);
    p.get("observedGeneration").setMinimum(0.0);
    JSONSchemaProps reason = p.get("reason");
    reason.setMaxLength(1024L);
    reason.setMinLength(1L);
    reason.setPattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
    p.get("status").setEnum(List.of(MAPPER.valueToTree("True"), MAPPER.valueToTree("False"),
        MAPPER.valueToTree("Unknown")));
    JSONSchemaProps type = p.get("type");
    type.setMaxLength(316L);
    type.setPattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
        + "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$");
    c.setRequired(List.of("lastTransitionTime", "message", "reason", "status", "type"));
  }

  private static void enumWithDefault(JSONSchemaProps s, String defaultValue, String... values) {
    s.setDefault(MAPPER.valueToTree(defaultValue));
    List<com.fasterxml.jackson.databind.JsonNode> e = new ArrayList<>();
    for (String v : values) {
      e.add(MAPPER.valueToTree(v));
    }
    s.setEnum(e);
  }

  /** The schema of one Java type, following Jackson's view of its properties. */
  private static JSONSchemaProps schema(JavaType t) {
    Class<?> raw = t.getRawClass();
    if (raw == String.class) {
      return type("string");
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return type("boolean");
    }
    if (raw == Integer.class || raw == int.class) {
      return integer("int32");
    }
    if (raw == Long.class || raw == long.class) {
      return integer("int64");
    }
    if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
      JSONSchemaProps n = type("number");
      n.setFormat("double");
      return n;
    }
    if (raw == Quantity.class) {
      JSONSchemaProps q = intOrString();
      q.setPattern(QUANTITY_PATTERN);
      return q;
    }
    if (raw == IntOrString.class) {
      return intOrString();
    }
    if (raw == ObjectMeta.class) {
      return type("object");
    }
    if (raw == OffsetDateTime.class) {
      JSONSchemaProps d = type("string");
      d.setFormat("date-time");
      return d;
    }
    if (t.isCollectionLikeType()) {
      JSONSchemaProps a = type("array");
      a.setItems(new JSONSchemaPropsOrArray(null, schema(t.getContentType())));
      return a;
    }
    if (t.isMapLikeType()) {
      return map(schema(t.getContentType()));
    }
    if (raw == Object.class) {
      JSONSchemaProps any = new JSONSchemaProps();
      any.setXKubernetesPreserveUnknownFields(true);
      return any;
    }
    JSONSchemaProps o = type("object");
    o.setProperties(new TreeMap<>());
    for (BeanPropertyDefinition p : MAPPER.getSerializationConfig().introspect(t).findProperties()) {
      if (!p.couldSerialize()) {
        continue;
      }
      o.getProperties().put(p.getName(), schema(p.getPrimaryType()));
    }
    if (o.getProperties().isEmpty()) {
      o.setProperties(null);
    }
    return o;
  }

  private static JSONSchemaProps at(JSONSchemaProps root, String path) {
    JSONSchemaProps s = root;
    for (String part : path.split("\\.")) {
      boolean item = part.endsWith("[]");
      String name = item ? part.substring(0, part.length() - 2) : part;
      s = s.getProperties().get(name);
      if (s == null) {
        throw new IllegalStateException("no schema at " + path);
      }
      if (item) {
        s = s.getItems().getSchema();
      }
    }
    return s;
  }

  private static JSONSchemaProps type(String type) {
    JSONSchemaProps s = new JSONSchemaProps();
    s.setType(type);
    return s;
  }

  private static JSONSchemaProps integer(String format) {
    JSONSchemaProps s = type("integer");
    s.setFormat(format);
    return s;
  }

  private static JSONSchemaProps intOrString() {
    JSONSchemaProps s = new JSONSchemaProps();
    s.setAnyOf(List.of(type("integer"), type("string")));
    s.setXKubernetesIntOrString(true);
    return s;
  }

  private static JSONSchemaProps object() {
    JSONSchemaProps s = type("object");
    s.setProperties(new TreeMap<>());
    return s;
  }

  private static JSONSchemaProps map(JSONSchemaProps values) {
    JSONSchemaProps s = type("object");
    s.setAdditionalProperties(new JSONSchemaPropsOrBool(null, values));
    return s;
  }

  private static CustomResourceColumnDefinition column(String name, String type, String jsonPath) {
    CustomResourceColumnDefinition c = new CustomResourceColumnDefinition();
    c.setName(name);
    c.setType(type);
    c.setJsonPath(jsonPath);
    return c;
  }
}
