/**
 * A JUnit 5 test kit for code that uses the SDK: {@link dev.agentsandbox.testing.SandboxTest}
 * starts an embedded cluster ({@link dev.agentsandbox.local.LocalSandboxCluster}) for a test
 * class, applies the templates of {@link dev.agentsandbox.testing.SandboxTemplate}, and injects
 * the cluster, its Kubernetes client, a {@link dev.agentsandbox.client.SandboxFleet} and fresh
 * sandboxes into tests; {@link dev.agentsandbox.testing.ClusterAwaits} waits on the cluster's
 * objects through watches.
 *
 * @since 0.1.0
 */
package dev.agentsandbox.testing;
