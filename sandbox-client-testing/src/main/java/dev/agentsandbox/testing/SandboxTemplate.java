package dev.agentsandbox.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A SandboxTemplate the test cluster of a {@link SandboxTest} class holds before its first test,
 * in namespace {@code default}: either made from the attributes here ({@link #name()} set), or
 * every object of a YAML resource on the class path ({@link #resource()} set), which may hold
 * several templates and other objects such as warm pools. Repeatable.
 *
 * <pre>{@code
 * @SandboxTest
 * @SandboxTemplate(name = "python-runtime")
 * @SandboxTemplate(resource = "templates/node-runtime.yaml")
 * class AgentTest { ... }
 * }</pre>
 *
 * <p>The embedded cluster runs its own sandbox runtime for every pod, whatever the image: the
 * image is recorded in the template, as a real cluster needs it, and plays no part in tests.
 *
 * @since 0.1.0
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Repeatable(SandboxTemplates.class)
public @interface SandboxTemplate {
  /** The image of the tutorial's Python runtime, the default {@link #image()}. */
  String PYTHON_RUNTIME_IMAGE = "registry.k8s.io/agent-sandbox/python-runtime-sandbox:v0.1.0";

  /** Name of a template made from these attributes; leave empty when {@link #resource()} is set. */
  String name() default "";

  /**
   * Class path of a YAML (or JSON) resource whose objects are applied, e.g.
   * {@code "templates/python.yaml"}; leave empty when {@link #name()} is set. Objects without a
   * namespace land in {@code default}.
   */
  String resource() default "";

  /** Container image of a template made from these attributes. */
  String image() default PYTHON_RUNTIME_IMAGE;

  /** Port the sandbox runtime listens on; default 8888, as the reference runtime. */
  int port() default 8888;

  /**
   * Whether the template asks for {@code runtimeClassName: gvisor}; the embedded cluster then
   * requires bubblewrap for its sandboxes.
   */
  boolean gvisor() default false;
}
