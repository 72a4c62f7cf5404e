package dev.agentsandbox.testing;

import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.testing.internal.ClusterSettings;
import dev.agentsandbox.testing.internal.Scope;
import dev.agentsandbox.testing.internal.TemplateDeclarations;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The JUnit Jupiter extension behind {@link SandboxTest}: starts (or shares) the embedded
 * cluster, applies the declared templates and injects the cluster, its client, fleets and
 * sandboxes; everything it made for a test is closed when the test ends, everything made for a
 * class when the class ends, and shared clusters when the test run ends, whether the tests
 * passed or not. Use it through {@link SandboxTest}, which also carries its options; registered
 * with {@code @ExtendWith} alone it uses the defaults of {@link SandboxTest}.
 *
 * @since 0.1.0
 */
public final class SandboxExtension implements BeforeAllCallback, BeforeEachCallback,
    TestInstancePostProcessor, ParameterResolver {
  private static final Namespace NAMESPACE = Namespace.create(SandboxExtension.class);
  private static final Set<Class<?>> INJECTABLE = Set.of(LocalSandboxCluster.class, KubernetesClient.class,
      SandboxFleet.class, SandboxClient.class, Sandbox.class);
  private static final Set<Class<?>> FROM_TEMPLATE = Set.of(SandboxClient.class, Sandbox.class);

  /** Made by JUnit for {@link SandboxTest} classes. */
  public SandboxExtension() {
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    classState(context);
    injectFields(context.getRequiredTestClass(), null, context, true);
  }

  @Override
  public void postProcessTestInstance(Object testInstance, ExtensionContext context) {
    // The class's objects are there for non-static @BeforeAll methods of PER_CLASS instances;
    // the test's own arrive in beforeEach.
    injectFields(testInstance.getClass(), testInstance, context, false);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      injectFields(instance.getClass(), instance, context, true);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return INJECTABLE.contains(parameterContext.getParameter().getType())
        || parameterContext.isAnnotated(TestSandbox.class);
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    String where = "parameter '" + parameterContext.getParameter().getName() + "' of "
        + parameterContext.getDeclaringExecutable().getDeclaringClass().getSimpleName() + "."
        + parameterContext.getDeclaringExecutable().getName() + "()";
    try {
      return resolve(parameterContext.getParameter().getType(),
          parameterContext.findAnnotation(TestSandbox.class), extensionContext, where);
    } catch (ExtensionConfigurationException e) {
      throw new ParameterResolutionException(e.getMessage(), e.getCause());
    }
  }

  private void injectFields(Class<?> type, Object instance, ExtensionContext context, boolean everything) {
    boolean statics = instance == null;
    List<Field> fields = ReflectionSupport.findFields(type,
        f -> Modifier.isStatic(f.getModifiers()) == statics
            && (INJECTABLE.contains(f.getType()) || f.isAnnotationPresent(TestSandbox.class)),
        HierarchyTraversalMode.TOP_DOWN);
    for (Field field : fields) {
      String where = "field '" + field.getName() + "' of " + field.getDeclaringClass().getSimpleName();
      if (Modifier.isFinal(field.getModifiers())) {
        if (field.isAnnotationPresent(TestSandbox.class)) {
          throw new ExtensionConfigurationException("@TestSandbox on final " + where + ": make it non-final");
        }
        continue;
      }
      if (!everything && !(field.getType() == LocalSandboxCluster.class || field.getType() == KubernetesClient.class)) {
        continue;
      }
      Object value = resolve(field.getType(), Optional.ofNullable(field.getAnnotation(TestSandbox.class)),
          context, where);
      try {
        field.setAccessible(true);
        field.set(instance, value);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new ExtensionConfigurationException("Cannot set " + where + ": " + e, e);
      }
    }
  }

  private Object resolve(Class<?> type, Optional<TestSandbox> spec, ExtensionContext context, String where) {
    if (!INJECTABLE.contains(type)) {
      throw new ExtensionConfigurationException("@TestSandbox on " + where + " of type " + type.getName()
          + ": it applies to SandboxClient and Sandbox; the cluster injects LocalSandboxCluster, KubernetesClient,"
          + " SandboxFleet, SandboxClient and Sandbox");
    }
    if (spec.isPresent() && !FROM_TEMPLATE.contains(type)) {
      throw new ExtensionConfigurationException("@TestSandbox on " + where + " of type " + type.getSimpleName()
          + ": it names the template of a SandboxClient or Sandbox; remove it");
    }
    ClassState state = classState(context);
    if (type == LocalSandboxCluster.class) {
      return state.cluster;
    }
    if (type == KubernetesClient.class) {
      return state.cluster.client();
    }
    Scope scope = scope(context);
    if (type == SandboxFleet.class) {
      return fleet(scope, state);
    }
    String template = templateOf(spec, state, context, where);
    String key = template + "#" + spec.map(TestSandbox::id).orElse("");
    if (type == SandboxClient.class) {
      return scope.computeIfAbsent("client:" + key, SandboxClient.class, () -> scope.closeAtEnd(
          SandboxClient.builder()
              .kubernetesClient(state.cluster.client())
              .connection(state.cluster.tunnel())
              .namespace(TemplateDeclarations.NAMESPACE)
              .templateName(template)
              .readyTimeout(state.readyTimeout)
              .build()));
    }
    // The fleet closes its sandboxes (and deletes their claims) when the scope ends.
    return scope.computeIfAbsent("sandbox:" + key, Sandbox.class,
        () -> fleet(scope, state).create(SandboxOptions.ofTemplate(template)));
  }

  private static SandboxFleet fleet(Scope scope, ClassState state) {
    return scope.computeIfAbsent("fleet", SandboxFleet.class, () -> scope.closeAtEnd(SandboxFleet.builder()
        .kubernetesClient(state.cluster.client())
        .connection(state.cluster.tunnel())
        .namespace(TemplateDeclarations.NAMESPACE)
        .readyTimeout(state.readyTimeout)
        .build()));
  }

  private static String templateOf(Optional<TestSandbox> spec, ClassState state, ExtensionContext context,
      String where) {
    String className = context.getRequiredTestClass().getSimpleName();
    String named = spec.map(TestSandbox::template).orElse("");
    if (named.isEmpty()) {
      if (state.templates.size() == 1) {
        return state.templates.get(0);
      }
      throw new ExtensionConfigurationException(state.templates.isEmpty()
          ? className + " declares no template for " + where + ": add @SandboxTemplate(name = \"...\") to the"
              + " class, or name an existing template with @TestSandbox(template = \"...\")"
          : className + " declares several templates " + state.templates + ": name the one for " + where
              + " with @TestSandbox(template = \"...\")");
    }
    if (state.cluster.client().resources(SandboxTemplate.class).inNamespace(TemplateDeclarations.NAMESPACE)
        .withName(named).get() == null) {
      throw new ExtensionConfigurationException("SandboxTemplate '" + named + "' (for " + where
          + ") does not exist in namespace '" + TemplateDeclarations.NAMESPACE + "' of the test cluster:"
          + " declare it on " + className + " with @SandboxTemplate(name = \"" + named
          + "\") or @SandboxTemplate(resource = \"...\"), or fix the name; " + className + " declares "
          + state.templates);
    }
    return named;
  }

  /** What the extension made for one extension context (a test, a class, the run). */
  private static Scope scope(ExtensionContext context) {
    // Keyed by the context's id: a store's lookups also search the enclosing contexts' stores.
    return context.getStore(NAMESPACE).getOrComputeIfAbsent("scope:" + context.getUniqueId(),
        k -> new Scope(), Scope.class);
  }

  private static ClassState classState(ExtensionContext context) {
    ExtensionContext classContext = classContextOf(context).orElseThrow(() ->
        new ExtensionConfigurationException("SandboxExtension works in test classes only"));
    Scope scope = scope(classContext);
    return scope.computeIfAbsent("class", ClassState.class, () -> newClassState(classContext, scope));
  }

  private static ClassState newClassState(ExtensionContext classContext, Scope scope) {
    Class<?> testClass = classContext.getRequiredTestClass();
    Optional<SandboxTest> own = AnnotationSupport.findAnnotation(testClass, SandboxTest.class);
    Optional<ClassState> enclosing = classContext.getParent().flatMap(SandboxExtension::classContextOf)
        .filter(c -> c != classContext)
        .map(SandboxExtension::classState);
    List<String> declared = TemplateDeclarations.of(testClass);
    LocalSandboxCluster cluster;
    Duration readyTimeout;
    List<String> templates = new ArrayList<>();
    if (own.isEmpty() && enclosing.isPresent()) {
      // A nested class without options of its own runs in its enclosing class's cluster.
      cluster = enclosing.get().cluster;
      readyTimeout = enclosing.get().readyTimeout;
      templates.addAll(enclosing.get().templates);
    } else {
      SandboxTest options = own.orElseGet(() -> Defaults.class.getAnnotation(SandboxTest.class));
      readyTimeout = Duration.ofSeconds(options.readyTimeoutSeconds());
      ClusterSettings settings = ClusterSettings.of(options);
      if (options.shared()) {
        // The root context's store is closed when the test run ends.
        Scope run = scope(classContext.getRoot());
        cluster = run.computeIfAbsent("cluster:" + settings, LocalSandboxCluster.class,
            () -> run.closeAtEnd(settings.start()));
      } else {
        cluster = scope.closeAtEnd(settings.start());
      }
    }
    for (String name : TemplateDeclarations.apply(declared, cluster)) {
      if (!templates.contains(name)) {
        templates.add(name);
      }
    }
    return new ClassState(cluster, List.copyOf(templates), readyTimeout);
  }

  /** The context of the innermost test class at or above {@code context}. */
  private static Optional<ExtensionContext> classContextOf(ExtensionContext context) {
    ExtensionContext current = context;
    while (current.getTestMethod().isPresent() || current.getTestClass().isEmpty()) {
      Optional<ExtensionContext> parent = current.getParent();
      if (parent.isEmpty()) {
        return Optional.empty();
      }
      current = parent.get();
    }
    return Optional.of(current);
  }

  private record ClassState(LocalSandboxCluster cluster, List<String> templates, Duration readyTimeout) {
  }

  /** Carries the defaults of {@link SandboxTest} for classes that register the extension alone. */
  @SandboxTest
  private static final class Defaults {
  }
}
