package dev.agentsandbox.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class against an embedded sandbox cluster
 * ({@link dev.agentsandbox.local.LocalSandboxCluster}): the cluster starts before the first test
 * of the class, gets the templates declared with {@link SandboxTemplate}, and stops after the
 * last one; every object it holds (sandbox processes, files, threads) goes with it, whether the
 * tests passed or not.
 *
 * <p>Tests and lifecycle methods receive, as parameters or in fields of these types:
 * <ul>
 *   <li>{@link dev.agentsandbox.local.LocalSandboxCluster}: the cluster itself;
 *   <li>{@link io.fabric8.kubernetes.client.KubernetesClient}: the cluster's client, in namespace
 *       {@code default} (shared: do not close it);
 *   <li>{@link dev.agentsandbox.client.SandboxClient}: a sandbox of its own for each test, from the
 *       template named by {@link TestSandbox} or the class's only template, closed (and its claim
 *       deleted) after the test;
 *   <li>{@link dev.agentsandbox.client.Sandbox}: the same, as a handle of the test's fleet;
 *   <li>{@link dev.agentsandbox.client.SandboxFleet}: a fleet for the test, closed after it, which
 *       deletes every claim it created.
 * </ul>
 * Every client reaches sandboxes as users' code reaches a real cluster: through the router's
 * tunnel, with the cluster's router token. Instance fields get values for each test; static
 * fields get values for the whole class (a static {@code SandboxClient} is one sandbox the tests
 * of the class share). Fields are injected when they are not final and have one of these types.
 *
 * <pre>{@code
 * @SandboxTest
 * @SandboxTemplate(name = "python-runtime")
 * class AgentTest {
 *   @Test
 *   void answersFromTheSandbox(SandboxClient sandbox) {
 *     assertEquals("42\n", sandbox.run("sh -c 'echo $((6 * 7))'").stdout());
 *   }
 * }
 * }</pre>
 *
 * <p>Nested test classes share the cluster of their enclosing class and may declare templates of
 * their own.
 *
 * @since 0.1.0
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SandboxExtension.class)
public @interface SandboxTest {
  /**
   * Whether test classes share one cluster for the whole test run, rather than each starting its
   * own (the default). Classes that ask for a shared cluster with the same options get the same
   * cluster; it stops when the test run ends. Sharing saves the start of a cluster per class
   * (about a second) at the cost of independence: templates and objects one class leaves behind
   * are seen by the next.
   */
  boolean shared() default false;

  /** How sandbox commands are isolated; default {@link Isolation#AUTO}. */
  Isolation isolation() default Isolation.AUTO;

  /**
   * Whether a small launcher process starts sandbox commands (the default), rather than the test
   * JVM: faster per command, one more process.
   */
  boolean commandLauncher() default true;

  /** Whether the agent-sandbox controller runs (the default); without it claims stay pending. */
  boolean controller() default true;

  /**
   * Whether each sandbox runtime serves only the cluster's own components (the default). Turn
   * it off only to test {@link dev.agentsandbox.client.ConnectionMode#inCluster()}.
   */
  boolean runtimeAuthentication() default true;

  /** Whether the cluster's API server speaks HTTPS rather than HTTP (the default). */
  boolean apiServerTls() default false;

  /** Longest a sandbox command may run, in seconds; default 300. */
  long execTimeoutSeconds() default 300;

  /** Longest an injected sandbox may take to become ready, in seconds; default 60. */
  long readyTimeoutSeconds() default 60;
}
