package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Watches as kubectl and the Python client open them: a plain GET whose response streams one event per line. */
class HttpWatchTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CONFIG_MAPS = "/api/v1/namespaces/default/configmaps";

  @RegisterExtension
  final ApiServerUnderTest server = new ApiServerUnderTest();

  private Response watch(String query) throws IOException {
    return server.http().newCall(new Request.Builder().url(server.api().url() + CONFIG_MAPS + "?" + query)
        .header("Authorization", "Bearer " + server.api().token()).build()).execute();
  }

  private ConfigMap create(String name) {
    return server.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder()
        .withNewMetadata().withName(name).endMetadata().addToData("k", name).build()).create();
  }

  private static JsonNode next(BufferedSource events) throws IOException {
    String line = events.readUtf8Line();
    return line == null ? null : MAPPER.readTree(line);
  }

  @ParameterizedTest
  @ValueSource(strings = {"watch=true", "watch=True", "watch=1"})
  void aWatchStartsWithTheObjectsThenStreamsEachChange(String watchParameter) throws IOException {
    create("before");
    try (Response response = watch(watchParameter)) {
      assertEquals(200, response.code());
      assertEquals("application/json", response.header("Content-Type"));
      BufferedSource events = response.body().source();
      JsonNode first = next(events);
      assertEquals("ADDED", first.path("type").asText());
      assertEquals("before", first.path("object").path("metadata").path("name").asText());

      create("after");
      JsonNode added = next(events);
      assertEquals("ADDED", added.path("type").asText());
      assertEquals("after", added.path("object").path("metadata").path("name").asText());

      server.client().configMaps().inNamespace("default").withName("after").delete();
      JsonNode deleted = next(events);
      assertEquals("DELETED", deleted.path("type").asText());
      assertEquals("after", deleted.path("object").path("metadata").path("name").asText());
    }
  }

  @Test
  void aWatchResumedFromAVersionSendsOnlyWhatChangedSince() throws IOException {
    create("old");
    ConfigMap changed = create("changed");
    String version = server.client().configMaps().inNamespace("default").list().getMetadata().getResourceVersion();
    changed.getData().put("k", "new value");
    server.client().configMaps().inNamespace("default").resource(changed).update();
    create("new");

    try (Response response = watch("watch=true&resourceVersion=" + version)) {
      BufferedSource events = response.body().source();
      Map<String, String> types = new TreeMap<>();
      for (int i = 0; i < 2; i++) {
        JsonNode event = next(events);
        types.put(event.path("object").path("metadata").path("name").asText(), event.path("type").asText());
      }
      assertEquals(Map.of("changed", "MODIFIED", "new", "ADDED"), types);
    }
  }

  @Test
  void aBookmarkEndsTheInitialEventsWhenTheClientAsks() throws IOException {
    create("one");
    try (Response response = watch("watch=1&allowWatchBookmarks=true&sendInitialEvents=true"
        + "&resourceVersionMatch=NotOlderThan")) {
      BufferedSource events = response.body().source();
      assertEquals("ADDED", next(events).path("type").asText());
      JsonNode bookmark = next(events);
      assertEquals("BOOKMARK", bookmark.path("type").asText());
      assertEquals("ConfigMap", bookmark.path("object").path("kind").asText());
      assertEquals("true", bookmark.path("object").path("metadata").path("annotations")
          .path("k8s.io/initial-events-end").asText());
      assertTrue(Long.parseLong(bookmark.path("object").path("metadata").path("resourceVersion").asText()) > 0);
    }
  }

  @Test
  void aWatchAskedForTablesSendsOneRowTablesWithTheColumnsFirst() throws IOException {
    create("first");
    try (Response response = server.http().newCall(new Request.Builder().url(server.api().url() + CONFIG_MAPS + "?watch=true")
        .header("Authorization", "Bearer " + server.api().token())
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json").build()).execute()) {
      BufferedSource events = response.body().source();
      JsonNode added = next(events);
      assertEquals("Table", added.path("object").path("kind").asText());
      assertEquals("Name", added.path("object").path("columnDefinitions").path(0).path("name").asText());
      assertEquals("first", added.path("object").path("rows").path(0).path("cells").path(0).asText());

      create("second");
      JsonNode next = next(events);
      assertEquals("ADDED", next.path("type").asText());
      assertEquals(0, next.path("object").path("columnDefinitions").size(), "the columns come once");
      assertEquals("second", next.path("object").path("rows").path(0).path("cells").path(0).asText());
    }
  }

  @Test
  void timeoutSecondsEndsTheWatch() throws IOException {
    try (Response response = watch("watch=true&timeoutSeconds=1")) {
      assertNull(next(response.body().source()), "the stream ends without an event");
    }
  }

  @Test
  void aWatchEndedByTheServerEndsTheResponse() throws IOException {
    try (Response response = watch("watch=true")) {
      BufferedSource events = response.body().source();
      create("one");
      assertEquals("ADDED", next(events).path("type").asText());
      assertEquals(1, server.api().closeWatches());
      assertNull(next(events));
    }
    assertEquals(0, server.api().openWatches());
  }

  @Test
  void aWatchOfWhatIsNotServedIsNotFound() throws IOException {
    try (Response response = server.http().newCall(new Request.Builder()
        .url(server.api().url() + "/apis/nothing.example.com/v1/things?watch=true")
        .header("Authorization", "Bearer " + server.api().token()).build()).execute()) {
      assertEquals(404, response.code());
    }
  }

  @Test
  void aWatchWithoutTheTokenIsRefused() throws IOException {
    try (Response response = server.http().newCall(new Request.Builder().url(server.api().url() + CONFIG_MAPS + "?watch=true").build())
        .execute()) {
      assertEquals(401, response.code());
    }
  }
}
