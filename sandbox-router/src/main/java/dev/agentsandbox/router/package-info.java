/**
 * The sandbox router: an HTTP reverse proxy that forwards each request to the runtime of the
 * sandbox named in its {@code X-Sandbox-*} headers.
 *
 * <p>Start one with {@link dev.agentsandbox.router.SandboxRouter#start}, or run
 * {@link dev.agentsandbox.router.SandboxRouterMain} as a process. The router only forwards to
 * addresses of Sandbox resources it watches, so it cannot be used as an open proxy.
 */
package dev.agentsandbox.router;
