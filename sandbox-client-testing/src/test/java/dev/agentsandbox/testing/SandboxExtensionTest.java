package dev.agentsandbox.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/**
 * The extension as its users meet it: sample test classes run through the JUnit engine, and what
 * they saw, what the engine reported and what was left afterwards.
 */
class SandboxExtensionTest {
  /** What the sample classes saw, by name; samples run only through {@link #run}. */
  static final Map<String, Object> SEEN = new ConcurrentHashMap<>();

  @Test
  void injectsClusterClientsAndSandboxesAndClosesEverythingEvenWhenATestFails() {
    Set<String> threadsBefore = threadNames();

    EngineExecutionResults results = run(Injection.class);

    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
    assertEquals("deliberate failure", failureMessages(results).get(0));
    LocalSandboxCluster cluster = (LocalSandboxCluster) SEEN.get("Injection.cluster");
    assertThrows(IllegalStateException.class, cluster::client, "the cluster is closed after the class");
    SandboxClient sandbox = (SandboxClient) SEEN.get("Injection.sandbox");
    assertThrows(IllegalStateException.class, () -> sandbox.run("true"), "the sandbox is closed after its test");
    assertEquals(Boolean.TRUE, SEEN.get("Injection.claimGoneBeforeSecondTest"));
    assertNoThreadsLeft(threadsBefore);
  }

  @Test
  void templateFromAClassPathResourceIsTheDefaultWhenItIsTheOnlyOne() {
    EngineExecutionResults results = run(FromResource.class);

    results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    assertEquals("echo-runtime", SEEN.get("FromResource.template"));
  }

  @Test
  void sharedClassesGetOneClusterClosedAtTheEndOfTheRun() {
    EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(SharedOne.class), selectClass(SharedTwo.class), selectClass(OwnCluster.class))
        .execute();

    results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));
    Object one = SEEN.get("SharedOne.cluster");
    assertSame(one, SEEN.get("SharedTwo.cluster"));
    assertNotSame(one, SEEN.get("OwnCluster.cluster"));
    assertThrows(IllegalStateException.class, ((LocalSandboxCluster) one)::client);
    assertThrows(IllegalStateException.class, ((LocalSandboxCluster) SEEN.get("OwnCluster.cluster"))::client);
  }

  @Test
  void nestedClassesRunInTheEnclosingClusterWithTheirOwnTemplates() {
    EngineExecutionResults results = run(Outer.class);

    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    assertSame(SEEN.get("Outer.cluster"), SEEN.get("Outer.Inner.cluster"));
    assertEquals("inner-runtime", SEEN.get("Outer.Inner.template"));
  }

  @Test
  void aTemplateThatDoesNotExistIsReportedWithTheDeclaredOnes() {
    EngineExecutionResults results = run(MissingTemplate.class);

    results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
    String message = failureMessages(results).get(0);
    assertTrue(message.contains("SandboxTemplate 'no-such-runtime'"), message);
    assertTrue(message.contains("parameter 'sandbox' of MissingTemplate.namesAMissingTemplate()"), message);
    assertTrue(message.contains("declares [python-runtime]"), message);
    assertThrows(IllegalStateException.class, ((LocalSandboxCluster) SEEN.get("MissingTemplate.cluster"))::client);
  }

  @Test
  void severalTemplatesWithoutANameAskForOne() {
    String message = failureMessages(run(SeveralTemplates.class)).get(0);

    assertTrue(message.contains("declares several templates [python-runtime, echo-runtime]"), message);
    assertTrue(message.contains("@TestSandbox(template = \"...\")"), message);
  }

  @Test
  void unsupportedInjectionTypesAreReported() {
    EngineExecutionResults results = run(UnsupportedType.class);

    List<String> messages = failureMessages(results);
    assertEquals(2, messages.size(), messages.toString());
    assertTrue(messages.stream().anyMatch(m -> m.contains("@TestSandbox on parameter 'name'")
        && m.contains("of type java.lang.String")), messages.toString());
    assertTrue(messages.stream().anyMatch(m -> m.contains("@TestSandbox on parameter 'fleet'")
        && m.contains("remove it")), messages.toString());
  }

  @Test
  void malformedTemplateDeclarationsFailTheClass() {
    EngineExecutionResults results = run(BadDeclaration.class);

    List<String> messages = failureMessages(results);
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).contains("no such resource on the class path"), messages.get(0));
  }

  private static EngineExecutionResults run(Class<?> sample) {
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute();
  }

  private static List<String> failureMessages(EngineExecutionResults results) {
    return results.allEvents().stream()
        .filter(e -> e.getType() == EventType.FINISHED)
        .map(Event::getPayload)
        .flatMap(p -> p.stream())
        .filter(p -> p instanceof org.junit.platform.engine.TestExecutionResult)
        .map(p -> (org.junit.platform.engine.TestExecutionResult) p)
        .flatMap(r -> r.getThrowable().stream())
        .map(Throwable::getMessage)
        .toList();
  }

  private static void assertNoThreadsLeft(Set<String> before) {
    // The cluster's threads end while close() returns; pools shared by the process end when idle.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Set<String> left;
    do {
      left = threadNames().stream().filter(n -> !before.contains(n) && !sharedPoolThread(n))
          .collect(Collectors.toSet());
      if (left.isEmpty()) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    } while (System.nanoTime() < deadline);
    assertEquals(Set.of(), left, "threads left after the sample ran");
  }

  private static boolean sharedPoolThread(String name) {
    return name.startsWith("OkHttp TaskRunner") || name.startsWith("CachedSingleThreadScheduler")
        || name.equals("Okio Watchdog") || name.equals("process reaper") || name.equals("Common-Cleaner")
        || name.equals("Attach Listener") || name.startsWith("ForkJoinPool.commonPool");
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .collect(Collectors.toSet());
  }

  @SandboxTest(isolation = Isolation.NONE)
  @SandboxTemplate(name = "python-runtime")
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class Injection {
    static LocalSandboxCluster cluster;
    SandboxClient sandbox;
    KubernetesClient kubernetes;

    @Test
    @Order(1)
    void firstTestFails(SandboxClient parameter, Sandbox handle, SandboxFleet fleet, LocalSandboxCluster c) {
      SEEN.put("Injection.cluster", cluster);
      SEEN.put("Injection.sandbox", sandbox);
      SEEN.put("Injection.claim", sandbox.claimName());
      assertSame(cluster, c);
      assertSame(sandbox, parameter, "a field and a parameter of one test share the sandbox");
      assertNotNull(kubernetes.resources(SandboxClaim.class).withName(sandbox.claimName()).get());
      assertEquals("hello\n", sandbox.run("echo hello").stdout());
      assertEquals("handle\n", handle.commands().run("echo handle").stdout());
      assertNotSame(sandbox.claimName(), handle.claimName());
      assertTrue(fleet.sandboxes().contains(handle), "the handle comes from the test's fleet");
      fail("deliberate failure");
    }

    @Test
    @Order(2)
    void secondTestGetsANewSandbox(SandboxClient parameter) {
      String first = (String) SEEN.get("Injection.claim");
      ClusterAwaits.absent(kubernetes.resources(SandboxClaim.class).withName(first), Duration.ofSeconds(30));
      SEEN.put("Injection.claimGoneBeforeSecondTest", Boolean.TRUE);
      assertTrue(!first.equals(parameter.claimName()));
    }

    @AfterEach
    void sandboxStillOpenInAfterEach() {
      assertEquals("ok\n", sandbox.run("echo ok").stdout());
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  @SandboxTemplate(resource = "templates/echo-runtime.yaml")
  static class FromResource {
    @Test
    void runs(SandboxClient sandbox) {
      SEEN.put("FromResource.template", sandbox.templateName());
      assertEquals("from resource\n", sandbox.run("echo from resource").stdout());
    }
  }

  @SandboxTest(shared = true, isolation = Isolation.NONE)
  static class SharedOne {
    @Test
    void records(LocalSandboxCluster cluster) {
      SEEN.put("SharedOne.cluster", cluster);
    }
  }

  @SandboxTest(shared = true, isolation = Isolation.NONE)
  static class SharedTwo {
    @Test
    void records(LocalSandboxCluster cluster) {
      SEEN.put("SharedTwo.cluster", cluster);
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  static class OwnCluster {
    @Test
    void records(LocalSandboxCluster cluster) {
      SEEN.put("OwnCluster.cluster", cluster);
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  static class Outer {
    @Test
    void records(LocalSandboxCluster cluster) {
      SEEN.put("Outer.cluster", cluster);
    }

    @Nested
    @SandboxTemplate(name = "inner-runtime")
    class Inner {
      @Test
      void records(LocalSandboxCluster cluster, SandboxClient sandbox) {
        SEEN.put("Outer.Inner.cluster", cluster);
        SEEN.put("Outer.Inner.template", sandbox.templateName());
      }
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  @SandboxTemplate(name = "python-runtime")
  static class MissingTemplate {
    @Test
    void namesAMissingTemplate(LocalSandboxCluster cluster,
        @TestSandbox(template = "no-such-runtime") SandboxClient sandbox) {
      fail("not reached");
    }

    @AfterEach
    void record(LocalSandboxCluster cluster) {
      SEEN.put("MissingTemplate.cluster", cluster);
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  @SandboxTemplate(name = "python-runtime")
  @SandboxTemplate(resource = "templates/echo-runtime.yaml")
  static class SeveralTemplates {
    @Test
    void namesNoTemplate(SandboxClient sandbox) {
      fail("not reached");
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  static class UnsupportedType {
    @Test
    void asksForAString(@TestSandbox String name) {
      fail("not reached");
    }

    @Test
    void namesATemplateForAFleet(@TestSandbox(template = "x") SandboxFleet fleet) {
      fail("not reached");
    }
  }

  @SandboxTest(isolation = Isolation.NONE)
  @SandboxTemplate(resource = "templates/missing.yaml")
  static class BadDeclaration {
    @Test
    void neverRuns() {
      fail("not reached");
    }
  }
}
