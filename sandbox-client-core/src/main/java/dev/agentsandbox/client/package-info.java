/**
 * The sandbox client: {@link dev.agentsandbox.client.SandboxClient} creates a sandbox from a
 * SandboxTemplate, runs commands and transfers files, and deletes it again on close.
 *
 * <pre>{@code
 * try (SandboxClient sandbox = SandboxClient.builder()
 *     .templateName("python-runtime-template")
 *     .build()) {
 *   System.out.println(sandbox.run("python3 --version").stdout());
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
package dev.agentsandbox.client;
