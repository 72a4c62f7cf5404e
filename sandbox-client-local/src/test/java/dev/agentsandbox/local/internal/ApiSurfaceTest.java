package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What every Kubernetes client reads of an API server before anything else, and how it answers errors. */
class ApiSurfaceTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

  @RegisterExtension
  final ApiServerUnderTest server = new ApiServerUnderTest();

  private Response get(String path, String accept) throws IOException {
    return server.get(path, accept);
  }

  private JsonNode json(Response response) throws IOException {
    try (response) {
      assertEquals("application/json", response.header("Content-Type"), () -> "content type of " + response);
      return MAPPER.readTree(response.body().bytes());
    }
  }

  @Test
  void versionIsAKubernetesVersionThatClientsCanParse() {
    VersionInfo version = server.client().getKubernetesVersion();
    assertEquals(ApiSurface.MAJOR, version.getMajor());
    assertEquals(ApiSurface.MINOR, version.getMinor());
    assertTrue(version.getGitVersion().startsWith("v1."), version.getGitVersion());
  }

  @Test
  void discoveryListsTheBuiltInKindsAndTheInstalledDefinitions() throws IOException {
    JsonNode core = json(get("/api", null));
    assertEquals("APIVersions", core.path("kind").asText());
    assertEquals("v1", core.path("versions").path(0).asText());

    APIGroup extensions = server.client().getApiGroup("extensions.agents.x-k8s.io");
    assertEquals("v1alpha1", extensions.getPreferredVersion().getVersion());
    assertTrue(server.client().getApiGroups().getGroups().stream().anyMatch(g -> g.getName().equals("apps")));

    APIResource claims = server.client().getApiResources("extensions.agents.x-k8s.io/v1alpha1").getResources().stream()
        .filter(r -> r.getName().equals("sandboxclaims")).findFirst().orElseThrow();
    assertEquals("SandboxClaim", claims.getKind());
    assertTrue(claims.getNamespaced());
    assertTrue(claims.getVerbs().contains("watch"));
    assertTrue(server.client().getApiResources("v1").getResources().stream()
        .anyMatch(r -> r.getName().equals("pods/portforward")));
    assertTrue(server.client().getApiResources("apps/v1").getResources().stream()
        .anyMatch(r -> r.getName().equals("deployments") && r.getCategories().contains("all")), "kubectl get all");
  }

  @Test
  void aDefinitionAppliedLaterIsServedAtOnce() {
    server.client().apiextensions().v1().customResourceDefinitions().resource(
        new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder()
            .withNewMetadata().withName("widgets.example.com").endMetadata()
            .withNewSpec().withGroup("example.com").withScope("Namespaced")
            .withNewNames().withPlural("widgets").withSingular("widget").withKind("Widget").endNames()
            .addNewVersion().withName("v1").withServed(true).withStorage(true)
            .withNewSchema().withNewOpenAPIV3Schema().withType("object")
            .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema().endVersion()
            .endSpec().build()).create();

    assertEquals("Widget", server.client().getApiResources("example.com/v1").getResources().get(0).getKind());
  }

  @Test
  void aggregatedDiscoveryIsAnsweredWhenAskedFor() throws IOException {
    try (Response response = get("/apis",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")) {
      assertEquals(ServedApis.AGGREGATED_DISCOVERY, response.header("Content-Type"));
      JsonNode list = MAPPER.readTree(response.body().bytes());
      assertEquals("APIGroupDiscoveryList", list.path("kind").asText());
      JsonNode extensions = StreamSupport.stream(list.path("items").spliterator(), false)
          .filter(g -> g.path("metadata").path("name").asText().equals("extensions.agents.x-k8s.io"))
          .findFirst().orElseThrow();
      JsonNode resources = extensions.path("versions").path(0).path("resources");
      assertTrue(StreamSupport.stream(resources.spliterator(), false)
          .anyMatch(r -> r.path("resource").asText().equals("sandboxclaims")
              && r.path("scope").asText().equals("Namespaced")));
    }
  }

  @Test
  void whatIsNotServedIsNotFoundWithAStatusAndNeverStored() throws IOException {
    for (String path : new String[] {"/apis/nothing.example.com/v1/namespaces/default/things",
        "/apis/extensions.agents.x-k8s.io/v9/namespaces/default/sandboxclaims", "/api/v1/namespaces/default/gizmos",
        "/apis/nothing.example.com", "/openapi/unknown", "/"}) {
      JsonNode status = json(get(path, null));
      assertEquals(404, status.path("code").asInt(), path);
      assertEquals("NotFound", status.path("reason").asText(), path);
    }
    Request write = new Request.Builder().url(server.api().url() + "/apis/nothing.example.com/v1/namespaces/default/things")
        .header("Authorization", "Bearer " + server.api().token())
        .post(RequestBody.create("{\"apiVersion\":\"nothing.example.com/v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"a\"}}",
            MediaType.get("application/json")))
        .build();
    try (Response response = server.http().newCall(write).execute()) {
      assertEquals(404, response.code());
    }
  }

  @Test
  void aMissingObjectIsNotFoundWithTheWordsOfAnApiServer() throws IOException {
    JsonNode status = json(get("/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/default/sandboxclaims/absent", null));
    assertEquals(404, status.path("code").asInt());
    assertEquals("sandboxclaims.extensions.agents.x-k8s.io \"absent\" not found", status.path("message").asText());
    assertEquals("absent", status.path("details").path("name").asText());
  }

  @Test
  void aCollectionIsATypedListWithAResourceVersion() throws IOException {
    server.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder()
        .withNewMetadata().withName("one").endMetadata().addToData("k", "v").build()).create();

    JsonNode list = json(get("/api/v1/namespaces/default/configmaps", null));
    assertEquals("ConfigMapList", list.path("kind").asText());
    assertEquals("v1", list.path("apiVersion").asText());
    assertFalse(list.path("metadata").path("resourceVersion").asText().isEmpty());
    assertEquals("one", list.path("items").path(0).path("metadata").path("name").asText());
  }

  @Test
  void aTableOfPodsHasTheColumnsKubectlShows() throws IOException {
    server.client().pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();

    JsonNode table = json(get("/api/v1/namespaces/default/pods", TABLE));
    assertEquals("Table", table.path("kind").asText());
    assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node",
        "Readiness Gates"), names(table.path("columnDefinitions")));
    JsonNode cells = table.path("rows").path(0).path("cells");
    assertEquals("web", cells.path(0).asText());
    assertEquals("0/1", cells.path(1).asText());
    assertEquals("Pending", cells.path(2).asText());
    assertEquals("0", cells.path(3).asText());
    assertTrue(cells.path(4).asText().matches("\\d+s"), cells.path(4).asText());
    assertEquals("PartialObjectMetadata", table.path("rows").path(0).path("object").path("kind").asText());
    assertEquals(1, table.path("columnDefinitions").path(5).path("priority").asInt(), "IP shows with -o wide only");
  }

  @Test
  void aTableOfCustomResourcesHasTheirPrinterColumns() throws IOException {
    server.client().genericKubernetesResources("extensions.agents.x-k8s.io/v1alpha1", "SandboxWarmPool").inNamespace("default")
        .resource(new GenericKubernetesResourceBuilder().withApiVersion("extensions.agents.x-k8s.io/v1alpha1")
            .withKind("SandboxWarmPool").withNewMetadata().withName("pool").endMetadata()
            .addToAdditionalProperties("spec", Map.of("replicas", 2, "sandboxTemplateRef", Map.of("name", "t")))
            .build()).create();

    JsonNode table = json(get("/apis/extensions.agents.x-k8s.io/v1alpha1/namespaces/default/sandboxwarmpools/pool",
        TABLE + ",application/json"));
    List<String> columns = names(table.path("columnDefinitions"));
    assertEquals("Name", columns.get(0));
    assertTrue(columns.containsAll(List.of("Ready", "Age")), columns.toString());
    assertEquals(1, table.path("rows").size());
    assertEquals("pool", table.path("rows").path(0).path("cells").path(0).asText());
  }

  @Test
  void agesAreWordedAsKubectlWordsThem() {
    assertEquals("45s", ObjectTables.humanDuration(Duration.ofSeconds(45)));
    assertEquals("3m12s", ObjectTables.humanDuration(Duration.ofSeconds(192)));
    assertEquals("25m", ObjectTables.humanDuration(Duration.ofMinutes(25)));
    assertEquals("5h3m", ObjectTables.humanDuration(Duration.ofMinutes(303)));
    assertEquals("3d2h", ObjectTables.humanDuration(Duration.ofHours(74)));
    assertEquals("40d", ObjectTables.humanDuration(Duration.ofDays(40)));
  }

  private static List<String> names(JsonNode columnDefinitions) {
    List<String> names = new ArrayList<>();
    columnDefinitions.forEach(column -> names.add(column.path("name").asText()));
    return names;
  }

  @Test
  void healthEndpointsAnswerOk() throws IOException {
    for (String path : new String[] {"/healthz", "/livez", "/readyz"}) {
      try (Response response = get(path, null)) {
        assertEquals(200, response.code());
        assertEquals("ok", response.body().string());
      }
    }
  }
}
