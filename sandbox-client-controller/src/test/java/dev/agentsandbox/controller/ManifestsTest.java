package dev.agentsandbox.controller;

import static dev.agentsandbox.controller.ClusterFixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.controller.internal.ControllerPermissions;
import dev.agentsandbox.controller.internal.ControllerPermissions.Grant;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The manifests in {@code deploy/} (spec X6) and their RBAC (spec X7). */
class ManifestsTest {
  private static final Path DEPLOY = Path.of("deploy");
  private static final String NS = "agent-sandbox-system";
  private static final String NAME = "agent-sandbox-controller";

  @Test
  void X6_manifestsDeclareTheReferenceObjectsInTheReferenceNamespace() throws IOException {
    List<HasMetadata> objects = manifests();
    assertEquals(NS, one(objects, Namespace.class, NS).getMetadata().getName());
    assertEquals(NS, one(objects, ServiceAccount.class, NAME).getMetadata().getNamespace());
    one(objects, ClusterRole.class, ControllerPermissions.CORE_ROLE);
    one(objects, ClusterRole.class, ControllerPermissions.EXTENSIONS_ROLE);
    for (String binding : List.of(ControllerPermissions.CORE_ROLE, ControllerPermissions.EXTENSIONS_ROLE)) {
      ClusterRoleBinding b = one(objects, ClusterRoleBinding.class, binding);
      assertEquals(binding, b.getRoleRef().getName());
      assertEquals(NAME, b.getSubjects().get(0).getName());
      assertEquals(NS, b.getSubjects().get(0).getNamespace());
    }

    Service service = one(objects, Service.class, NAME);
    assertEquals(Map.of("metrics", 8080, "healthz", 8081), service.getSpec().getPorts().stream()
        .collect(Collectors.toMap(ServicePort::getName, ServicePort::getPort)));

    Deployment deployment = one(objects, Deployment.class, NAME);
    assertEquals(NS, deployment.getMetadata().getNamespace());
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertEquals(NAME, pod.getServiceAccountName());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertEquals(service.getSpec().getSelector(), deployment.getSpec().getTemplate().getMetadata().getLabels());
    Container container = pod.getContainers().get(0);
    assertEquals(List.of("--leader-elect=true", "--extensions"), container.getArgs());
    ControllerFlags flags = ControllerFlags.parse(container.getArgs().toArray(String[]::new), Map.of());
    assertTrue(flags.options().extensions());
    assertEquals(8080, flags.metricsAddress().orElseThrow().getPort());
    assertEquals(8081, flags.healthAddress().orElseThrow().getPort());
    assertEquals(Map.of("metrics", 8080, "healthz", 8081), container.getPorts().stream()
        .collect(Collectors.toMap(p -> p.getName(), p -> p.getContainerPort())));
    assertEquals("/healthz", container.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/readyz", container.getReadinessProbe().getHttpGet().getPath());
    assertEquals("healthz", container.getReadinessProbe().getHttpGet().getPort().getStrVal());
    assertNotNull(container.getResources().getRequests().get("memory"));
    assertNotNull(container.getResources().getLimits().get("memory"));
    assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
    assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
    assertEquals("/tmp", container.getVolumeMounts().get(0).getMountPath(), "the JVM needs a writable /tmp");
  }

  @Test
  void X7_clusterRolesGrantExactlyTheListedPermissions() throws IOException {
    List<HasMetadata> objects = manifests();
    for (String role : List.of(ControllerPermissions.CORE_ROLE, ControllerPermissions.EXTENSIONS_ROLE)) {
      Set<String> listed = ControllerPermissions.GRANTS.stream()
          .filter(g -> g.role().equals(role))
          .flatMap(ManifestsTest::triples)
          .collect(Collectors.toCollection(TreeSet::new));
      Set<String> granted = one(objects, ClusterRole.class, role).getRules().stream()
          .flatMap(ManifestsTest::triples)
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(listed, granted, role);
    }
  }

  @Test
  void X7_everyCallTheControllerMakesIsGranted() throws Exception {
    Set<String> granted = ControllerPermissions.GRANTS.stream().flatMap(ManifestsTest::triples)
        .collect(Collectors.toSet());
    Set<String> made = new TreeSet<>();
    try (MockCluster cluster = new MockCluster()) {
      cluster.server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
          .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
              .withResourceRules(new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                  .withVerbs("create", "get", "update").build())
              .endStatus().build())
          .always();
      Config config = new ConfigBuilder(cluster.client.getConfiguration()).withUserAgent("controller-under-test").build();
      KubernetesClient client = cluster.client;
      try (KubernetesClient controllerClient = new KubernetesClientBuilder().withConfig(config).build();
          SandboxController controller = SandboxController.start(controllerClient, ControllerOptions.builder()
              .leaderElection(LeaderElection.defaults().withNamespace(NS)
                  .withTimings(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(100))).build())) {
        ClusterFixtures.awaitTrue("the controller leads", controller::isLeader);
        ClusterFixtures.template(client, "rbac", "python");
        ClusterFixtures.claim(client, "rbac", "claim", "python");
        await(client, Pod.class, "rbac", "claim", p -> true);
        ClusterFixtures.podReady(client, "rbac", "claim");
        await(client, SandboxClaim.class, "rbac", "claim",
            c -> c.getStatus() != null && ClusterFixtures.ready(c.getStatus().conditions()));

        ClusterFixtures.sandbox(client, "rbac", "plain");
        await(client, Pod.class, "rbac", "plain", p -> true);
        patch(client, "plain", "{\"spec\":{\"service\":true}}");
        await(client, Service.class, "rbac", "plain", s -> true);
        patch(client, "plain", "{\"spec\":{\"service\":false,\"replicas\":0}}");
        await(client, Sandbox.class, "rbac", "plain", s -> s.getStatus() != null && s.getStatus().service() == null
            && (s.getStatus().replicas() == null || s.getStatus().replicas() == 0));
        ClusterFixtures.awaitTrue("the pod and service are deleted", () -> client.pods().inNamespace("rbac")
            .withName("plain").get() == null && client.services().inNamespace("rbac").withName("plain").get() == null);
      }
      RecordedRequest request;
      while ((request = cluster.server.takeRequest(0, TimeUnit.SECONDS)) != null) {
        if ("controller-under-test".equals(request.getHeader("User-Agent"))) {
          made.add(triple(request));
        }
      }
    }
    List<String> missing = new ArrayList<>(made);
    missing.removeAll(granted);
    missing.remove("authorization.k8s.io/selfsubjectrulesreviews:create"); // granted to every user by default
    assertEquals(List.of(), missing, "calls made but not granted; all calls: " + made);
    assertTrue(made.contains("/pods:delete") && made.contains("/services:delete"), "the scenario covers deletes");
  }

  private static void patch(KubernetesClient client, String sandbox, String patch) {
    client.resources(Sandbox.class).inNamespace("rbac").withName(sandbox)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /** {@code group/resource:verb} of one request, as RBAC sees it. */
  private static String triple(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    List<String> parts = new ArrayList<>(List.of(uri.getPath().substring(1).split("/")));
    String group = parts.get(0).equals("api") ? "" : parts.get(1);
    parts = parts.subList(parts.get(0).equals("api") ? 2 : 3, parts.size());
    if (!parts.isEmpty() && parts.get(0).equals("namespaces") && parts.size() > 2) {
      parts = parts.subList(2, parts.size());
    }
    String resource = parts.get(0) + (parts.size() > 2 ? "/" + parts.get(2) : "");
    boolean named = parts.size() > 1;
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String verb = switch (request.getMethod()) {
      case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> request.getMethod();
    };
    return group + "/" + resource + ":" + verb;
  }

  private static Stream<String> triples(Grant g) {
    return g.verbs().stream().map(v -> g.group() + "/" + g.resource() + ":" + v);
  }

  private static Stream<String> triples(PolicyRule rule) {
    return rule.getApiGroups().stream().flatMap(group -> rule.getResources().stream()
        .flatMap(resource -> rule.getVerbs().stream().map(verb -> group + "/" + resource + ":" + verb)));
  }

  private static List<HasMetadata> manifests() throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    try (KubernetesClient offline = new KubernetesClientBuilder().withConfig(Config.empty()).build();
        Stream<Path> files = Files.list(DEPLOY)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          objects.addAll(offline.load(in).items());
        }
      }
    }
    return objects;
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).toList();
    assertEquals(1, found.size(), type.getSimpleName() + " " + name);
    return found.get(0);
  }
}
