package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl apply} as users run it, with its default {@code --validate=strict}: kubectl
 * reads the OpenAPI documents first, and fails without them. Runs the kubectl found on the PATH.
 */
class KubectlApplyTest {
  private static final ResourceDefinitionContext TEMPLATES = new ResourceDefinitionContext.Builder()
      .withGroup("extensions.agents.x-k8s.io").withVersion("v1alpha1").withPlural("sandboxtemplates")
      .withKind("SandboxTemplate").withNamespaced(true).build();
  private static final String TEMPLATE = """
      apiVersion: extensions.agents.x-k8s.io/v1alpha1
      kind: SandboxTemplate
      metadata:
        name: applied-template
        namespace: default
      spec:
        podTemplate:
          spec:
            containers:
            - name: runtime
              image: %s
      """;
  private static final String CONFIG_MAP = """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: applied-settings
        namespace: default
      data:
        mode: %s
      """;

  @TempDir
  Path dir;

  private Path kubectl;
  private LocalApiServer api;
  private KubernetesClient client;
  private Path kubeconfig;
  /**
   * Whether this kubectl leaves validation to the server (1.27 and later, through OpenAPI v3);
   * older ones validate against OpenAPI v2 themselves, and explain kinds from it only.
   */
  private boolean validatesOnTheServer;

  @BeforeEach
  void start() throws IOException, InterruptedException {
    kubectl = onPath("kubectl").orElse(null);
    assumeTrue(kubectl != null, "kubectl is not on the PATH: the test runs it");
    // Over HTTPS: kubectl sends the kubeconfig's token over nothing else.
    api = LocalApiServer.start((ns, pod) -> Optional.empty(), true);
    client = api.newClient();
    kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
    Result version = kubectl("version", "--client", "-o", "json");
    Matcher minor = Pattern.compile("\"minor\"\\s*:\\s*\"(\\d+)").matcher(version.output());
    assertTrue(minor.find(), version.output());
    validatesOnTheServer = Integer.parseInt(minor.group(1)) >= 27;
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void appliesACustomResourceAndAppliesItAgainChanged() throws Exception {
    Result created = apply("template.yaml", String.format(TEMPLATE, "python:3.12"));
    assertEquals(0, created.exitCode(), created.output());
    assertTrue(created.output().contains("sandboxtemplate.extensions.agents.x-k8s.io/applied-template created"),
        created.output());
    // kubectl left validation to the server, which it found supports it.
    assertTrue(!validatesOnTheServer || created.output().contains("fieldValidation=Strict"), created.output());

    Result configured = apply("template.yaml", String.format(TEMPLATE, "python:3.13"));
    assertEquals(0, configured.exitCode(), configured.output());
    assertTrue(configured.output().contains("applied-template configured"), configured.output());
    GenericKubernetesResource stored = client.genericKubernetesResources(TEMPLATES).inNamespace("default")
        .withName("applied-template").get();
    assertNotNull(stored);
    String image = String.valueOf(((Map<?, ?>) ((List<?>) ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) stored
        .getAdditionalProperties().get("spec")).get("podTemplate")).get("spec")).get("containers")).get(0))
        .get("image"));
    assertEquals("python:3.13", image);

    Files.writeString(dir.resolve("template.yaml"), String.format(TEMPLATE, "python:3.14"));
    Result replaced = kubectl("replace", "-f", dir.resolve("template.yaml").toString());
    assertEquals(0, replaced.exitCode(), replaced.output());
    assertTrue(replaced.output().contains("applied-template replaced"), replaced.output());
  }

  @Test
  void appliesAConfigMap() throws Exception {
    Result created = apply("settings.yaml", String.format(CONFIG_MAP, "fast"));
    assertEquals(0, created.exitCode(), created.output());
    assertTrue(created.output().contains("configmap/applied-settings created"), created.output());
    assertTrue(!validatesOnTheServer || created.output().contains("fieldValidation=Strict"), created.output());

    Result unchanged = apply("settings.yaml", String.format(CONFIG_MAP, "fast"));
    assertEquals(0, unchanged.exitCode(), unchanged.output());
    assertTrue(unchanged.output().contains("configmap/applied-settings unchanged"), unchanged.output());

    // A changed built-in object: a strategic merge patch, computed from kubectl's own types.
    Result changed = apply("settings.yaml", String.format(CONFIG_MAP, "safe"));
    assertEquals(0, changed.exitCode(), changed.output());
    assertTrue(changed.output().contains("configmap/applied-settings configured"), changed.output());
    assertTrue(!validatesOnTheServer || changed.output().contains("fieldValidation=Strict"), changed.output());
    ConfigMap stored = client.configMaps().inNamespace("default").withName("applied-settings").get();
    assertEquals("safe", stored.getData().get("mode"));
  }

  @Test
  void aCustomResourceWithAFieldItsSchemaDoesNotDeclareIsRefused() throws Exception {
    assumeTrue(validatesOnTheServer, "kubectl before 1.27 validates on its own, against OpenAPI v2");
    String typo = String.format(TEMPLATE, "python:3.12").replace("podTemplate:", "podTemplat:");
    Result refused = apply("typo.yaml", typo);
    assertFalse(refused.exitCode() == 0, refused.output());
    assertTrue(refused.output().contains("unknown field \"spec.podTemplat\""), refused.output());
    assertTrue(client.genericKubernetesResources(TEMPLATES).inNamespace("default").list().getItems().isEmpty());

    // Warned, the undeclared field is dropped: beside the declared one, what is left is valid.
    String surplus = String.format(TEMPLATE, "python:3.12").replace("  podTemplate:", "  podTemplat: {}\n  podTemplate:");
    Files.writeString(dir.resolve("typo.yaml"), surplus);
    Result warned = kubectl("apply", "--validate=warn", "-f", dir.resolve("typo.yaml").toString());
    assertEquals(0, warned.exitCode(), warned.output());
    assertTrue(warned.output().contains("Warning: unknown field \"spec.podTemplat\""), warned.output());

    Path template = Path.of("src/test/resources/python-runtime-template.yaml");
    Result tutorial = kubectl("apply", "-f", template.toAbsolutePath().toString());
    assertEquals(0, tutorial.exitCode(), tutorial.output());
  }

  @Test
  void explainsACustomResourceFromItsSchema() throws Exception {
    assumeTrue(validatesOnTheServer, "kubectl before 1.27 explains kinds from OpenAPI v2 definitions, not served");
    Result explained = kubectl("explain", "sandboxtemplates.spec");
    assertEquals(0, explained.exitCode(), explained.output());
    assertTrue(explained.output().contains("podTemplate"), explained.output());
    Result builtIn = kubectl("explain", "configmaps");
    assertEquals(0, builtIn.exitCode(), builtIn.output());
    assertTrue(builtIn.output().contains("metadata"), builtIn.output());
  }

  private Result apply(String name, String yaml) throws IOException, InterruptedException {
    Path file = dir.resolve(name);
    Files.writeString(file, yaml);
    return kubectl("-v=6", "apply", "-f", file.toString());
  }

  private Result kubectl(String... arguments) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", dir.resolve("cache").toString()));
    argv.addAll(List.of(arguments));
    return run(argv);
  }

  private record Result(int exitCode, String output) {
  }

  private Result run(List<String> argv) throws IOException, InterruptedException {
    // Output to a file: a pipe nobody reads while the process runs could fill up and stall it.
    Path output = Files.createTempFile(dir, "output", ".txt");
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().put("HOME", dir.toString());
    builder.environment().remove("KUBECONFIG");
    Process process = builder.start();
    try {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), argv + " did not finish");
      return new Result(process.exitValue(), Files.readString(output));
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Optional<Path> onPath(String command) {
    String path = System.getenv("PATH");
    List<Path> candidates = new ArrayList<>();
    for (String entry : (path == null ? "" : path).split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        candidates.add(Path.of(entry, command));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }
}
