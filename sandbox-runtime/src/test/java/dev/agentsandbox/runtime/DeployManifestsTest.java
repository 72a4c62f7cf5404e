package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.internal.RouterProtocol;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The example SandboxTemplate in {@code deploy/} parses and runs the runtime as it expects. */
class DeployManifestsTest {
  private static final Path TEMPLATE = Path.of("deploy", "sandbox-template.yaml");

  @Test
  void theExampleTemplateServesTheRuntimeOnThePortClientsUse() throws IOException {
    SandboxTemplate template = template();
    assertEquals("SandboxTemplate", template.getKind());
    assertEquals("extensions.agents.x-k8s.io/v1alpha1", template.getApiVersion());
    PodSpec pod = template.getSpec().podTemplate().getSpec();
    assertEquals(1, pod.getContainers().size());
    Container runtime = pod.getContainers().get(0);
    Map<String, String> env = runtime.getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));

    ContainerPort port = runtime.getPorts().get(0);
    assertEquals(RouterProtocol.RUNTIME_PORT, port.getContainerPort());
    assertEquals(RuntimeOptions.DEFAULT_PORT, port.getContainerPort());
    assertEquals(Integer.toString(port.getContainerPort()), env.getOrDefault("SANDBOX_PORT", "8888"));
    assertEquals("/", runtime.getReadinessProbe().getHttpGet().getPath(), "the runtime's health check");
    assertEquals(port.getName(), runtime.getReadinessProbe().getHttpGet().getPort().getStrVal());
  }

  @Test
  void theBaseDirectoryIsAWritableVolume() throws IOException {
    PodSpec pod = template().getSpec().podTemplate().getSpec();
    Container runtime = pod.getContainers().get(0);
    String baseDir = runtime.getEnv().stream().filter(e -> e.getName().equals("SANDBOX_BASE_DIR"))
        .map(EnvVar::getValue).findFirst().orElse("/app");
    List<String> mounts = runtime.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList();

    assertTrue(mounts.contains(baseDir), "the root file system is read-only: " + mounts);
    assertTrue(mounts.contains("/tmp"), "commands and the JVM need a writable /tmp: " + mounts);
    for (VolumeMount mount : runtime.getVolumeMounts()) {
      assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(mount.getName())),
          mount.getName());
      assertFalse(Boolean.TRUE.equals(mount.getReadOnly()), mount.getName());
    }
    assertTrue(runtime.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(runtime.getSecurityContext().getAllowPrivilegeEscalation());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
  }

  private static SandboxTemplate template() throws IOException {
    try (InputStream in = Files.newInputStream(TEMPLATE)) {
      return new KubernetesSerialization().unmarshal(in, SandboxTemplate.class);
    }
  }
}
