package dev.agentsandbox.testing.internal;

import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.SandboxTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;

/** Applies the {@link SandboxTemplate}s a test class declares to its cluster. */
public final class TemplateDeclarations {
  /** Namespace of the templates and of the sandboxes the extension makes. */
  public static final String NAMESPACE = "default";
  private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  private TemplateDeclarations() {
  }

  /**
   * The templates {@code testClass} declares (its superclasses' included), as YAML documents,
   * in declaration order; read before any cluster starts, so that a mistake costs no cluster.
   *
   * @throws ExtensionConfigurationException when a declaration is malformed or its resource missing
   */
  public static List<String> of(Class<?> testClass) {
    List<String> documents = new ArrayList<>();
    for (SandboxTemplate template : AnnotationSupport.findRepeatableAnnotations(testClass, SandboxTemplate.class)) {
      boolean named = !template.name().isEmpty();
      boolean fromResource = !template.resource().isEmpty();
      if (named == fromResource) {
        throw new ExtensionConfigurationException("@SandboxTemplate on " + testClass.getName()
            + " needs either name (a template made from its attributes) or resource (a YAML file on the"
            + " class path), not " + (named ? "both" : "neither"));
      }
      documents.add(named ? inline(template, testClass) : resource(template.resource(), testClass));
    }
    return documents;
  }

  /**
   * Applies the documents to the cluster and returns the names of the SandboxTemplates among
   * their objects.
   */
  public static List<String> apply(List<String> documents, LocalSandboxCluster cluster) {
    List<String> names = new ArrayList<>();
    for (String document : documents) {
      cluster.apply(document).stream().filter(o -> "SandboxTemplate".equals(o.getKind()))
          .map(o -> o.getMetadata().getName())
          .forEach(names::add);
    }
    return names;
  }

  static String inline(SandboxTemplate template, Class<?> testClass) {
    String name = template.name();
    if (!DNS_NAME.matcher(name).matches()) {
      throw new ExtensionConfigurationException("@SandboxTemplate(name = \"" + name + "\") on "
          + testClass.getName() + ": a template name is lower-case letters, digits, '-' and '.', and starts"
          + " and ends with a letter or digit");
    }
    if (template.port() < 1 || template.port() > 65535) {
      throw new ExtensionConfigurationException("@SandboxTemplate(name = \"" + name + "\") on "
          + testClass.getName() + ": port " + template.port() + " is not a TCP port");
    }
    String runtimeClass = template.gvisor() ? "      runtimeClassName: gvisor\n" : "";
    return """
        apiVersion: extensions.agents.x-k8s.io/v1alpha1
        kind: SandboxTemplate
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          podTemplate:
            metadata:
              labels:
                sandbox: %1$s
            spec:
        %3$s      containers:
              - name: runtime
                image: %4$s
                ports:
                - containerPort: %5$d
                readinessProbe:
                  httpGet:
                    path: "/"
                    port: %5$d
                  periodSeconds: 1
        """.formatted(name, NAMESPACE, runtimeClass, quoted(template.image()), template.port());
  }

  private static String resource(String path, Class<?> testClass) {
    String name = path.startsWith("/") ? path.substring(1) : path;
    ClassLoader loader = testClass.getClassLoader() != null ? testClass.getClassLoader()
        : ClassLoader.getSystemClassLoader();
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw new ExtensionConfigurationException("@SandboxTemplate(resource = \"" + path + "\") on "
            + testClass.getName() + ": no such resource on the class path (the path is from its root, e.g."
            + " src/test/resources/" + name + ")");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    }
  }

  /** A YAML double-quoted scalar. */
  private static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
