package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.controller.MockCluster;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.controller.ControllerEventSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Status writes: only what changed, with optimistic locking, and the result cached. */
class StatusWriteTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MockCluster cluster;
  private Context<Sandbox> context;
  private ControllerEventSource<Sandbox> cache;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void setUp() {
    cluster = new MockCluster();
    context = mock(Context.class);
    EventSourceRetriever<Sandbox> sources = mock(EventSourceRetriever.class);
    cache = mock(ControllerEventSource.class);
    when(context.getClient()).thenReturn(cluster.client);
    when(context.eventSourceRetriever()).thenReturn(sources);
    when(sources.getControllerEventSource()).thenReturn(cache);
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void mergePatchHoldsOnlyWhatChanged() throws Exception {
    JsonNode from = MAPPER.readTree("{\"a\":1,\"gone\":true,\"nested\":{\"keep\":1,\"drop\":2},\"list\":[1,2]}");
    JsonNode to = MAPPER.readTree("{\"a\":1,\"nested\":{\"keep\":1,\"new\":3},\"list\":[2]}");
    assertEquals(MAPPER.readTree("{\"gone\":null,\"nested\":{\"drop\":null,\"new\":3},\"list\":[2]}"),
        MergePatches.between(from, to));
    assertNull(MergePatches.between(to, to.deepCopy()));
    assertEquals(MAPPER.readTree("{\"metadata\":{\"resourceVersion\":\"7\"},\"status\":{\"a\":1}}"),
        MAPPER.readTree(MergePatches.status("7", null, MAPPER.readTree("{\"a\":1}"))));
    assertNull(MergePatches.status("7", to, to));
  }

  @Test
  void writesTheStatusAndCachesTheResult() {
    Sandbox created = create("write");
    SandboxStatus status = status("DependenciesReady", List.of("10.0.0.7"));

    Sandbox written = KubernetesWrites.writeStatus(created, context, Sandbox::getStatus, status);

    Sandbox stored = cluster.client.resources(Sandbox.class).inNamespace("ns").withName("write").get();
    assertEquals(List.of("10.0.0.7"), stored.getStatus().podIPs());
    assertEquals(stored.getMetadata().getResourceVersion(), written.getMetadata().getResourceVersion());
    verify(cache).handleRecentResourceUpdate(ResourceID.fromResource(created), written, created);
    // Unchanged: nothing is sent.
    assertSame(written, KubernetesWrites.writeStatus(written, context, Sandbox::getStatus, status));
  }

  @Test
  void removesFieldsTheNewStatusNoLongerHas() {
    Sandbox created = create("shrink");
    Sandbox ready = KubernetesWrites.writeStatus(created, context, Sandbox::getStatus,
        status("DependenciesReady", List.of("10.0.0.7")));

    KubernetesWrites.writeStatus(ready, context, Sandbox::getStatus, status("DependenciesNotReady", null));

    SandboxStatus stored = cluster.client.resources(Sandbox.class).inNamespace("ns").withName("shrink").get()
        .getStatus();
    assertNull(stored.podIPs());
    assertEquals("DependenciesNotReady", stored.conditions().get(0).getReason());
  }

  @Test
  void aStaleObjectIsReadAgainAndItsStatusStillWritten() {
    Sandbox stale = create("stale");
    // Another writer moves the object on: a write based on the stale copy must conflict.
    Sandbox moved = KubernetesWrites.mergePatch(cluster.client, Sandbox.class, "ns", "stale",
        MergePatches.annotation("other", "writer"));
    assertNotEquals(stale.getMetadata().getResourceVersion(), moved.getMetadata().getResourceVersion());

    Sandbox written = KubernetesWrites.writeStatus(stale, context, Sandbox::getStatus,
        status("DependenciesReady", List.of("10.0.0.8")));

    Sandbox stored = cluster.client.resources(Sandbox.class).inNamespace("ns").withName("stale").get();
    assertEquals(List.of("10.0.0.8"), stored.getStatus().podIPs());
    assertEquals("writer", stored.getMetadata().getAnnotations().get("other"));
    verify(cache).handleRecentResourceUpdate(eq(ResourceID.fromResource(stale)), eq(written), any());
  }

  @Test
  void aDeletedObjectIsNotFound() {
    Sandbox gone = create("gone");
    cluster.client.resources(Sandbox.class).inNamespace("ns").withName("gone").delete();
    cluster.awaitAbsent(Sandbox.class, "ns", "gone");

    KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> KubernetesWrites
        .writeStatus(gone, context, Sandbox::getStatus, status("DependenciesReady", List.of("10.0.0.9"))));
    assertEquals(404, e.getCode());
    verify(cache, never()).handleRecentResourceUpdate(any(), any(), any());
  }

  private Sandbox create(String name) {
    Sandbox sandbox = Fixtures.sandbox(name, Fixtures.podTemplate(Map.of("app", name), Map.of()));
    sandbox.getMetadata().setUid(null);
    sandbox.getMetadata().setGeneration(null);
    return cluster.client.resource(sandbox).create();
  }

  private static SandboxStatus status(String reason, List<String> podIPs) {
    return new SandboxStatus(List.of(new ConditionBuilder().withType("Ready")
        .withStatus("DependenciesReady".equals(reason) ? "True" : "False").withReason(reason)
        .withMessage(reason).withLastTransitionTime("2026-01-01T00:00:00Z").build()), podIPs, null, null, null, null);
  }
}
