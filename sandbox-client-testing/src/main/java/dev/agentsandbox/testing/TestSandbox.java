package dev.agentsandbox.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the template of an injected {@link dev.agentsandbox.client.SandboxClient} or
 * {@link dev.agentsandbox.client.Sandbox} parameter or field of a {@link SandboxTest} class.
 * Without it the class must declare exactly one {@link SandboxTemplate}. Within one test, the
 * parameters and fields naming the same template (and {@link #id()}) receive the same sandbox.
 *
 * <pre>{@code
 * @Test
 * void copiesBetweenRuntimes(@TestSandbox(template = "python-runtime") SandboxClient python,
 *     @TestSandbox(template = "node-runtime") SandboxClient node) { ... }
 * }</pre>
 *
 * @since 0.1.0
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TestSandbox {
  /** Name of the SandboxTemplate; empty for the class's only template. */
  String template() default "";

  /**
   * Tells apart several sandboxes of the same template in one test: injection points with
   * different ids receive different sandboxes.
   */
  String id() default "";
}
