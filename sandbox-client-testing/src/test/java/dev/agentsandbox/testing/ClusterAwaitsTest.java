package dev.agentsandbox.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Waiting for objects of the cluster through watches. */
@SandboxTest(isolation = Isolation.NONE, controller = false)
class ClusterAwaitsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static KubernetesClient client;

  @AfterEach
  void deleteConfigMaps() {
    client.configMaps().delete();
  }

  @Test
  void stateReturnsAStateAlreadyReachedAtOnce() {
    create("present", "a");

    ConfigMap found = ClusterAwaits.state(client.configMaps().withName("present"), c -> c != null, TIMEOUT);

    assertEquals("present", found.getMetadata().getName());
  }

  @Test
  void absentReturnsOnceTheObjectIsDeleted() throws Exception {
    create("doomed", "a");
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<Void> gone = CompletableFuture.runAsync(() -> {
      waiting.countDown();
      ClusterAwaits.absent(client.configMaps().withName("doomed"), TIMEOUT);
    });
    assertTrue(waiting.await(10, TimeUnit.SECONDS));

    client.configMaps().withName("doomed").delete();

    gone.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertNull(client.configMaps().withName("doomed").get());
  }

  @Test
  void itemsReturnsTheListOnceItSatisfiesTheCondition() throws Exception {
    create("first", "team-a");
    CompletableFuture<List<ConfigMap>> two = CompletableFuture.supplyAsync(() -> ClusterAwaits.items(
        client.configMaps().withLabel("team", "team-a"), maps -> maps.size() == 2, TIMEOUT));

    create("other-team", "team-b");
    create("second", "team-a");

    assertEquals(List.of("first", "second"), two.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).stream()
        .map(c -> c.getMetadata().getName()).sorted().toList());
  }

  @Test
  void itemsFailsAtTheTimeoutWithTheNamesLastListed() {
    create("lonely", "team-c");

    AssertionError e = assertThrows(AssertionError.class, () -> ClusterAwaits.items(
        client.configMaps().withLabel("team", "team-c"), maps -> maps.size() == 2, Duration.ofMillis(300)));

    assertTrue(e.getMessage().contains("[lonely]"), e.getMessage());
  }

  private static void create(String name, String team) {
    client.resource(new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("team", team)
        .endMetadata().addToData("k", "v").build()).create();
  }
}
