package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The OpenAPI documents kubectl reads before it creates or patches an object. */
class OpenApiDocumentsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TEMPLATES_V3 = "apis/extensions.agents.x-k8s.io/v1alpha1";
  private static final String TEMPLATE =
      "/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/{namespace}/sandboxtemplates/{name}";

  @RegisterExtension
  final ApiServerUnderTest server = new ApiServerUnderTest();

  private Response send(String method, String path, String accept, String contentType, String body)
      throws IOException {
    return server.send(method, path, accept, contentType, body);
  }

  private JsonNode getJson(String path) throws IOException {
    try (Response response = send("GET", path, "application/json", null, null)) {
      assertEquals(200, response.code(), path);
      assertEquals("application/json", response.header("Content-Type"));
      return MAPPER.readTree(response.body().bytes());
    }
  }

  /** The fields of a protobuf message: each field number with its values, strings or nested messages' bytes. */
  private static Map<Integer, List<Object>> decode(byte[] message) throws IOException {
    Map<Integer, List<Object>> fields = new LinkedHashMap<>();
    CodedInputStream in = CodedInputStream.newInstance(message);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      assertEquals(WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.getTagWireType(tag), "wire type of " + tag);
      fields.computeIfAbsent(WireFormat.getTagFieldNumber(tag), n -> new ArrayList<>()).add(in.readByteArray());
    }
    return fields;
  }

  private static String text(Object bytes) {
    return new String((byte[]) bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void openApiV2InProtobufIsTheGnosticDocumentKubectlDecodes() throws IOException {
    for (String path : List.of("/openapi/v2", "/swagger-2.0.0.pb-v1")) {
      try (Response response = send("GET", path, OpenApiDocuments.V2_PROTOBUF, null, null)) {
        assertEquals(200, response.code(), path);
        assertEquals(OpenApiDocuments.V2_PROTOBUF_ANSWERED, response.header("Content-Type"));
        Map<Integer, List<Object>> document = decode(response.body().bytes());
        assertEquals(List.of(1, 2, 8), List.copyOf(document.keySet()), path);
        assertEquals("2.0", text(document.get(1).get(0)));
        Map<Integer, List<Object>> info = decode((byte[]) document.get(2).get(0));
        assertEquals("Kubernetes", text(info.get(1).get(0)));
        assertEquals(ApiSurface.GIT_VERSION, text(info.get(2).get(0)));
        assertEquals(0, ((byte[]) document.get(8).get(0)).length, "paths");
      }
    }
  }

  @Test
  void openApiV2InJsonIsTheSameDocument() throws IOException {
    JsonNode document = getJson("/openapi/v2");
    assertEquals("2.0", document.path("swagger").asText());
    assertEquals("Kubernetes", document.path("info").path("title").asText());
    assertEquals(ApiSurface.GIT_VERSION, document.path("info").path("version").asText());
    assertTrue(document.path("paths").isObject());
    assertFalse(document.has("definitions"));
  }

  @Test
  void openApiV3RootListsEveryServedGroupVersionWithAHash() throws IOException {
    JsonNode paths = getJson("/openapi/v3").path("paths");
    for (String key : List.of("api/v1", "apis/apps/v1", TEMPLATES_V3, "apis/agents.x-k8s.io/v1alpha1",
        "apis/apiextensions.k8s.io/v1")) {
      String url = paths.path(key).path("serverRelativeURL").asText();
      assertTrue(url.matches("/openapi/v3/" + key + "\\?hash=[0-9A-F]{64}"), key + ": " + url);
    }
  }

  @Test
  void aGroupVersionDocumentTellsKubectlThatTheServerValidatesFields() throws IOException {
    String url = getJson("/openapi/v3").path("paths").path(TEMPLATES_V3).path("serverRelativeURL").asText();
    JsonNode document = getJson(url);
    assertTrue(document.path("openapi").asText().startsWith("3."), document.path("openapi").asText());

    JsonNode patch = document.path("paths").path(TEMPLATE).path("patch");
    JsonNode gvk = patch.path("x-kubernetes-group-version-kind");
    assertEquals("extensions.agents.x-k8s.io", gvk.path("group").asText());
    assertEquals("v1alpha1", gvk.path("version").asText());
    assertEquals("SandboxTemplate", gvk.path("kind").asText());
    assertTrue(queryParameters(patch).containsAll(List.of("fieldValidation", "dryRun", "fieldManager")),
        patch.toString());
    List<String> patchTypes = new ArrayList<>();
    patch.path("requestBody").path("content").fieldNames().forEachRemaining(patchTypes::add);
    assertEquals(List.of("application/json-patch+json", "application/merge-patch+json",
        "application/apply-patch+yaml"), patchTypes);

    JsonNode templates = document.path("paths")
        .path("/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/{namespace}/sandboxtemplates");
    assertTrue(queryParameters(templates.path("post")).contains("fieldValidation"), templates.toString());
    assertEquals("list", templates.path("get").path("x-kubernetes-action").asText());
    for (String method : List.of("get", "put", "delete")) {
      assertEquals("SandboxTemplate", document.path("paths").path(TEMPLATE).path(method)
          .path("x-kubernetes-group-version-kind").path("kind").asText(), method);
    }
    assertTrue(queryParameters(document.path("paths").path(TEMPLATE).path("put")).contains("fieldValidation"));

    JsonNode schema = document.path("components").path("schemas")
        .path("io.x-k8s.agents.extensions.v1alpha1.SandboxTemplate");
    assertEquals("SandboxTemplate", schema.path("x-kubernetes-group-version-kind").get(0).path("kind").asText());
    assertTrue(schema.path("properties").has("spec"), "the definition's schema");
    assertTrue(schema.path("properties").has("metadata"));
    assertEquals("string", schema.path("properties").path("apiVersion").path("type").asText());
  }

  private static List<String> queryParameters(JsonNode operation) {
    List<String> names = new ArrayList<>();
    for (JsonNode parameter : operation.path("parameters")) {
      if ("query".equals(parameter.path("in").asText())) {
        names.add(parameter.path("name").asText());
      }
    }
    return names;
  }

  @Test
  void theCoreGroupDocumentHasTheBuiltInKindsAndTheirSubresources() throws IOException {
    JsonNode paths = getJson("/openapi/v3/api/v1").path("paths");
    JsonNode patch = paths.path("/api/v1/namespaces/{namespace}/configmaps/{name}").path("patch");
    assertEquals("ConfigMap", patch.path("x-kubernetes-group-version-kind").path("kind").asText());
    assertEquals("", patch.path("x-kubernetes-group-version-kind").path("group").asText());
    assertTrue(queryParameters(patch).contains("fieldValidation"));
    assertFalse(patch.path("requestBody").path("content").has("application/strategic-merge-patch+json"));
    assertEquals("Namespace", paths.path("/api/v1/namespaces/{name}").path("patch")
        .path("x-kubernetes-group-version-kind").path("kind").asText());
    assertEquals("Pod", paths.path("/api/v1/namespaces/{namespace}/pods/{name}/status").path("patch")
        .path("x-kubernetes-group-version-kind").path("kind").asText());
    assertEquals("list", paths.path("/api/v1/pods").path("get").path("x-kubernetes-action").asText());
    JsonNode scale = getJson("/openapi/v3/apis/apps/v1").path("paths")
        .path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale").path("patch");
    assertEquals("autoscaling", scale.path("x-kubernetes-group-version-kind").path("group").asText());
  }

  @Test
  void theHashOfAGroupVersionChangesWithItsKinds() throws IOException {
    createDefinition("widgets", "Widget");
    String before = getJson("/openapi/v3").path("paths").path("apis/example.com/v1").path("serverRelativeURL")
        .asText();
    assertTrue(before.startsWith("/openapi/v3/apis/example.com/v1?hash="), before);
    String unchanged = getJson("/openapi/v3").path("paths").path("apis/example.com/v1").path("serverRelativeURL")
        .asText();
    assertEquals(before, unchanged);

    createDefinition("gadgets", "Gadget");
    String after = getJson("/openapi/v3").path("paths").path("apis/example.com/v1").path("serverRelativeURL")
        .asText();
    assertNotEquals(before, after);
    assertTrue(getJson(after).path("paths").has("/apis/example.com/v1/namespaces/{namespace}/gadgets/{name}"));
  }

  private void createDefinition(String plural, String kind) {
    server.client().apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(plural + ".example.com").endMetadata()
        .withNewSpec().withGroup("example.com").withScope("Namespaced")
        .withNewNames().withPlural(plural).withKind(kind).endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object")
        .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema().endVersion()
        .endSpec().build()).create();
  }

  @Test
  void unknownGroupVersionsAreNotFound() throws IOException {
    for (String path : List.of("/openapi/v3/apis/example.org/v1", "/openapi/v3/api/v2", "/openapi/v3/apis/apps",
        "/openapi/v3/apis/apps/v1/extra", "/openapi/v4")) {
      try (Response response = send("GET", path, "application/json", null, null)) {
        assertEquals(404, response.code(), path);
        assertEquals("NotFound", MAPPER.readTree(response.body().bytes()).path("reason").asText(), path);
      }
    }
  }

  @Test
  void writesAcceptTheFieldValidationParameter() throws IOException {
    String configMaps = "/api/v1/namespaces/default/configmaps";
    String created = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"strict\"},"
        + "\"data\":{\"a\":\"1\"}}";
    try (Response response = send("POST", configMaps + "?fieldManager=kubectl&fieldValidation=Strict", null,
        "application/json", created)) {
      assertEquals(201, response.code(), response.body().string());
    }
    try (Response response = send("PATCH", configMaps + "/strict?fieldValidation=Strict&fieldManager=kubectl",
        null, "application/merge-patch+json", "{\"data\":{\"a\":\"2\"}}")) {
      assertEquals(200, response.code(), response.body().string());
    }
    try (Response response = send("PUT", configMaps + "/strict?fieldValidation=Warn", null, "application/json",
        created)) {
      assertEquals(200, response.code(), response.body().string());
    }
    assertEquals("1", server.client().configMaps().inNamespace("default").withName("strict").get().getData().get("a"));
  }
}
