package dev.agentsandbox.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * fabric8's CRUD mock API server on loopback, knowing the four agent-sandbox kinds, with JSON
 * merge patch as RFC 7386 defines it (the mock's own appends to lists and keeps null keys).
 * Expectations set on {@link #server} win over the CRUD behaviour.
 */
public final class MockCluster implements AutoCloseable {
  /** How long the await methods wait. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  final KubernetesMockServer server;
  /** A client of the server; closed with it. */
  public final KubernetesClient client;

  /** Starts the server on an ephemeral loopback port. */
  public MockCluster() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
        new MergePatchingDispatcher(expectations), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    expect("agents.x-k8s.io", "Sandbox", "sandboxes");
    expect("extensions.agents.x-k8s.io", "SandboxClaim", "sandboxclaims");
    expect("extensions.agents.x-k8s.io", "SandboxTemplate", "sandboxtemplates");
    expect("extensions.agents.x-k8s.io", "SandboxWarmPool", "sandboxwarmpools");
    client = server.createClient();
  }

  private void expect(String group, String kind, String plural) {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion("v1alpha1")
        .withKind(kind)
        .withPlural(plural)
        .withScope("Namespaced")
        .withStatusSubresource(true)
        .build());
  }

  /**
   * Waits until the named object exists and satisfies {@code condition}. The watch is opened
   * before the current state is read, so no change in between can be missed.
   */
  public <T extends HasMetadata> T await(Class<T> type, String ns, String name, Predicate<T> condition) {
    return awaitState(type, ns, name, value -> value != null && condition.test(value));
  }

  /** Waits until the named object does not exist. */
  public <T extends HasMetadata> void awaitAbsent(Class<T> type, String ns, String name) {
    awaitState(type, ns, name, Objects::isNull);
  }

  private <T extends HasMetadata> T awaitState(Class<T> type, String ns, String name, Predicate<T> condition) {
    return awaitState(client.resources(type).inNamespace(ns).withName(name), condition, TIMEOUT);
  }

  /**
   * Waits until the object's state (null when absent) satisfies {@code condition}, at most
   * {@code timeout}. The watch is opened before the current state is read, so no change in
   * between can be missed.
   */
  public static <T extends HasMetadata> T awaitState(Resource<T> resource, Predicate<T> condition,
      Duration timeout) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try (Watch ignored = resource.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T object) {
        T value = action == Action.DELETED ? null : object;
        if (condition.test(value)) {
          result.complete(value);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        result.completeExceptionally(cause);
      }
    })) {
      T current = resource.get();
      if (condition.test(current)) {
        return current;
      }
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("not in the expected state: " + resource.get(), e);
    }
  }

  /**
   * Waits until the objects of a kind in {@code ns} satisfy {@code condition} and returns them;
   * the watch is opened before the list is read.
   */
  public <T extends HasMetadata> List<T> awaitList(Class<T> type, String ns, Predicate<List<T>> condition) {
    CompletableFuture<List<T>> result = new CompletableFuture<>();
    var resources = client.resources(type).inNamespace(ns);
    try (Watch ignored = resources.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T object) {
        List<T> items = resources.list().getItems();
        if (condition.test(items)) {
          result.complete(items);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        result.completeExceptionally(cause);
      }
    })) {
      List<T> current = resources.list().getItems();
      if (condition.test(current)) {
        return current;
      }
      return result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("the " + type.getSimpleName() + "s of " + ns + " never reached the expected state", e);
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  private static final class MergePatchingDispatcher extends KubernetesCrudDispatcher {
    private final Map<ServerRequest, Queue<ServerResponse>> expectations;
    private final MockDispatcher expected;

    MergePatchingDispatcher(Map<ServerRequest, Queue<ServerResponse>> expectations) {
      this.expectations = expectations;
      this.expected = new MockDispatcher(expectations);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      Queue<ServerResponse> queue = expectations.get(
          new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
      return queue != null && !queue.isEmpty() ? expected.dispatch(request) : super.dispatch(request);
    }

    @Override
    public JsonNode merge(JsonNode baseResource, String patch) throws KubernetesCrudDispatcherException {
      try {
        return mergePatch(baseResource.deepCopy(), MAPPER.readTree(patch));
      } catch (JsonProcessingException e) {
        throw new KubernetesCrudDispatcherException(e.getMessage(), 422);
      }
    }

    private static JsonNode mergePatch(JsonNode target, JsonNode patch) {
      if (!patch.isObject()) {
        return patch;
      }
      ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : MAPPER.createObjectNode();
      patch.fields().forEachRemaining(field -> {
        if (field.getValue().isNull()) {
          result.remove(field.getKey());
        } else {
          result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
        }
      });
      return result;
    }
  }
}
