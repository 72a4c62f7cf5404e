package dev.agentsandbox.controller;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The CustomResourceDefinitions of the four agent-sandbox kinds (API version v1alpha1), as
 * shipped in this jar under {@value #RESOURCE_DIRECTORY}. They are schema-compatible with the
 * reference agent-sandbox v0.4.6 definitions, so either set can serve clients of the other.
 *
 * <pre>{@code
 * for (CustomResourceDefinition crd : AgentSandboxCrds.load()) {
 *   client.resource(crd).createOr(NonDeletingOperation::update);
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class AgentSandboxCrds {
  /** Class-path directory holding one YAML file per definition. */
  public static final String RESOURCE_DIRECTORY = "META-INF/agent-sandbox/crds";

  /** File names inside {@link #RESOURCE_DIRECTORY}, Sandbox first. */
  public static final List<String> FILE_NAMES = List.of(
      "agents.x-k8s.io_sandboxes.yaml",
      "extensions.agents.x-k8s.io_sandboxclaims.yaml",
      "extensions.agents.x-k8s.io_sandboxtemplates.yaml",
      "extensions.agents.x-k8s.io_sandboxwarmpools.yaml");

  private AgentSandboxCrds() {
  }

  /**
   * Reads the four definitions from the class path. Each call returns new, mutable objects.
   *
   * @return Sandbox, SandboxClaim, SandboxTemplate and SandboxWarmPool definitions, in that order
   * @throws UncheckedIOException if a file is missing from the class path or cannot be read
   */
  public static List<CustomResourceDefinition> load() {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (String name : FILE_NAMES) {
      String resource = RESOURCE_DIRECTORY + "/" + name;
      try (InputStream in = AgentSandboxCrds.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new UncheckedIOException(new IOException("missing class-path resource " + resource));
        }
        crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
    return List.copyOf(crds);
  }
}
