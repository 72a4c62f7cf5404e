package dev.agentsandbox.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.internal.RouterProtocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The manifests in {@code deploy/}: they parse, and their names, ports and labels agree. */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("deploy");
  private static final Map<String, String> ROUTER_LABELS = Map.of("app", "sandbox-router");

  @Test
  void theServiceIsWhereClientsLookForTheRouter() throws IOException {
    List<HasMetadata> objects = manifests();
    Service service = one(objects, Service.class);
    Deployment deployment = one(objects, Deployment.class);
    Container container = router(deployment);

    assertEquals(RouterProtocol.ROUTER_SERVICE, service.getMetadata().getName());
    ServicePort port = service.getSpec().getPorts().get(0);
    assertEquals(RouterProtocol.ROUTER_PORT, port.getPort());
    assertEquals("TCP", port.getProtocol());
    var containerPort = container.getPorts().stream()
        .filter(p -> p.getName().equals(port.getTargetPort().getStrVal())).findFirst().orElseThrow();
    assertEquals(RouterProtocol.ROUTER_PORT, containerPort.getContainerPort());
    assertEquals(service.getSpec().getSelector(), deployment.getSpec().getSelector().getMatchLabels());
    assertEquals(ROUTER_LABELS, service.getSpec().getSelector(),
        "the label the sandboxes' NetworkPolicies and the embedded cluster know the router by");
    assertTrue(labels(deployment).entrySet().containsAll(service.getSpec().getSelector().entrySet()));
  }

  @Test
  void theDeploymentStartsTheRouterItsProbesExpect() throws IOException {
    List<HasMetadata> objects = manifests();
    Deployment deployment = one(objects, Deployment.class);
    Container container = router(deployment);
    Map<String, String> env = new HashMap<>();
    for (EnvVar var : container.getEnv()) {
      env.put(var.getName(), var.getValue() != null ? var.getValue()
          : var.getValueFrom().getFieldRef() != null ? "default" : "token-from-the-secret");
    }

    RouterOptions options = SandboxRouterMain.parse(
        container.getArgs() == null ? new String[0] : container.getArgs().toArray(String[]::new), env);

    assertEquals(RouterProtocol.ROUTER_PORT, options.port());
    assertEquals("default", options.watchNamespace(), "watches its own namespace, as its Role allows");
    assertFalse(options.allowUnauthenticated());
    assertEquals("token-from-the-secret", options.authToken());
    for (var probe : List.of(container.getReadinessProbe(), container.getLivenessProbe())) {
      assertEquals("/healthz", probe.getHttpGet().getPath());
      assertEquals("http", probe.getHttpGet().getPort().getStrVal());
    }
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals("/tmp", container.getVolumeMounts().get(0).getMountPath(), "the JVM needs a writable /tmp");
    assertNotNull(container.getResources().getLimits().get("memory"));
  }

  @Test
  void theTokenComesFromTheSecretWhosePlaceholderTheRouterRefuses() throws IOException {
    List<HasMetadata> objects = manifests();
    Secret secret = one(objects, Secret.class);
    EnvVar token = router(one(objects, Deployment.class)).getEnv().stream()
        .filter(e -> e.getName().equals("ROUTER_AUTH_TOKEN")).findFirst().orElseThrow();

    var ref = token.getValueFrom().getSecretKeyRef();
    assertEquals(secret.getMetadata().getName(), ref.getName());
    assertTrue(secret.getStringData().containsKey(ref.getKey()));
    String placeholder = secret.getStringData().get(ref.getKey());
    RouterOptions options = SandboxRouterMain.parse(new String[0], Map.of("ROUTER_AUTH_TOKEN", placeholder));
    // What SandboxRouter.start refuses: no token and unauthenticated use not allowed.
    assertNull(options.authToken(), "a router given the placeholder must not start");
    assertFalse(options.allowUnauthenticated());
  }

  @Test
  void theServiceAccountMayWatchSandboxesAndNothingElse() throws IOException {
    List<HasMetadata> objects = manifests();
    ServiceAccount account = one(objects, ServiceAccount.class);
    Role role = one(objects, Role.class);
    RoleBinding binding = one(objects, RoleBinding.class);

    assertEquals(account.getMetadata().getName(),
        one(objects, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName());
    assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
    assertEquals(account.getMetadata().getName(), binding.getSubjects().get(0).getName());
    assertEquals(account.getMetadata().getNamespace(), binding.getSubjects().get(0).getNamespace());
    PolicyRule rule = role.getRules().get(0);
    assertEquals(1, role.getRules().size());
    assertEquals(List.of("agents.x-k8s.io"), rule.getApiGroups());
    assertEquals(List.of("sandboxes"), rule.getResources());
    assertEquals(List.of("get", "list", "watch"), rule.getVerbs());
  }

  @Test
  void theNetworkPolicyAdmitsOnlyTheRouterPort() throws IOException {
    List<HasMetadata> objects = manifests();
    NetworkPolicy policy = one(objects, NetworkPolicy.class);

    assertEquals(ROUTER_LABELS, policy.getSpec().getPodSelector().getMatchLabels());
    assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
    for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
      assertEquals(1, rule.getPorts().size());
      assertEquals(RouterProtocol.ROUTER_PORT, rule.getPorts().get(0).getPort().getIntVal());
      assertFalse(rule.getFrom().isEmpty(), "not from everywhere");
    }
  }

  @Test
  void everyObjectIsInTheRoutersNamespaceAndLabelled() throws IOException {
    for (HasMetadata object : manifests()) {
      assertEquals("default", object.getMetadata().getNamespace(), object.getKind());
      assertEquals(ROUTER_LABELS, object.getMetadata().getLabels(), object.getKind());
    }
  }

  private static Container router(Deployment deployment) {
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  private static Map<String, String> labels(Deployment deployment) {
    return deployment.getSpec().getTemplate().getMetadata().getLabels();
  }

  private static List<HasMetadata> parsed;

  /** Every object of every file, parsed once. */
  static synchronized List<HasMetadata> manifests() throws IOException {
    if (parsed != null) {
      return parsed;
    }
    List<HasMetadata> objects = new ArrayList<>();
    try (KubernetesClient offline = new KubernetesClientBuilder().withConfig(Config.empty()).build();
        Stream<Path> files = Files.list(DEPLOY)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          objects.addAll(offline.load(in).items());
        }
      }
    }
    parsed = List.copyOf(objects);
    return parsed;
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertEquals(1, found.size(), type.getSimpleName());
    return found.get(0);
  }
}
