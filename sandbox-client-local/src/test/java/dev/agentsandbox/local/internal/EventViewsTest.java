package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Events written as events.k8s.io/v1 are read as core v1 too, found by the field selectors kubectl describe uses. */
class EventViewsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @RegisterExtension
  final ApiServerUnderTest server = new ApiServerUnderTest();

  @BeforeEach
  void writeEvents() {
    for (String claim : List.of("one", "two")) {
      server.client().events().v1().events().inNamespace("default").resource(new EventBuilder()
          .withNewMetadata().withName(claim + ".1").endMetadata()
          .withReason("SandboxProvisioned").withNote("Sandbox " + claim + " created").withType("Normal")
          .withReportingController("agent-sandbox-controller").withReportingInstance("x").withAction("Provision")
          .withEventTime(new io.fabric8.kubernetes.api.model.MicroTime("2026-12-05T08:00:00.000000Z"))
          .withRegarding(new ObjectReferenceBuilder().withApiVersion("extensions.agents.x-k8s.io/v1alpha1")
              .withKind("SandboxClaim").withName(claim).withNamespace("default").withUid("uid-" + claim).build())
          .build()).create();
    }
  }


  private JsonNode get(String path, String accept) throws IOException {
    return server.getJson(path, accept);
  }

  @Test
  void eventsOfOneObjectAreFoundInCoreV1ByInvolvedObject() throws IOException {
    JsonNode list = get("/api/v1/namespaces/default/events?fieldSelector="
        + "involvedObject.name%3Done%2CinvolvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3Duid-one", null);
    assertEquals("EventList", list.path("kind").asText());
    assertEquals(1, list.path("items").size());
    JsonNode event = list.path("items").path(0);
    assertEquals("v1", event.path("apiVersion").asText());
    assertEquals("one", event.path("involvedObject").path("name").asText());
    assertEquals("Sandbox one created", event.path("message").asText());
    assertEquals("agent-sandbox-controller", event.path("source").path("component").asText());
  }

  @Test
  void bothVersionsListEveryEventAndSelectorsWorkOnEither() throws IOException {
    assertEquals(2, get("/api/v1/events", null).path("items").size());
    assertEquals(2, server.client().events().v1().events().inNamespace("default").list().getItems().size());
    assertEquals(1, server.client().events().v1().events().inNamespace("default")
        .withField("regarding.name", "two").list().getItems().size());
    assertEquals(0, get("/api/v1/namespaces/default/events?fieldSelector=reason%21%3DSandboxProvisioned", null)
        .path("items").size());
  }

  @Test
  void aTableOfEventsHasTheColumnsOfKubectlGetEvents() throws IOException {
    JsonNode table = get("/api/v1/namespaces/default/events", "application/json;as=Table;v=v1;g=meta.k8s.io");
    assertEquals("Last Seen", table.path("columnDefinitions").path(0).path("name").asText());
    JsonNode cells = table.path("rows").path(0).path("cells");
    assertEquals("Normal", cells.path(1).asText());
    assertEquals("SandboxProvisioned", cells.path(2).asText());
    assertEquals("sandboxclaim/one", cells.path(3).asText());
  }
}
