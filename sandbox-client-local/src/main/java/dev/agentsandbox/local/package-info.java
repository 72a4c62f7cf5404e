/**
 * An embedded, Docker-free Kubernetes cluster for development and tests: an in-process API
 * server, the agent-sandbox controller, a local pod runner that starts sandbox runtimes on
 * loopback addresses, a command launcher process that starts their commands, the sandbox router
 * and a real port-forward. Start one with {@link
 * dev.agentsandbox.local.LocalSandboxCluster#start()}.
 *
 * @since 0.1.0
 */
package dev.agentsandbox.local;
