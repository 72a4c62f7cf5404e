/**
 * The sandbox client. {@link dev.agentsandbox.client.SandboxClient} holds one sandbox in a
 * try-with-resources block, as in the tutorial; {@link dev.agentsandbox.client.SandboxFleet}
 * hands out {@link dev.agentsandbox.client.Sandbox} handles for programs that keep many
 * sandboxes, configured per sandbox with {@link dev.agentsandbox.client.SandboxOptions}.
 *
 * <pre>{@code
 * try (SandboxClient sandbox = SandboxClient.builder()
 *     .templateName("python-runtime-template")
 *     .build()) {
 *   System.out.println(sandbox.run("python3 --version").stdout());
 * }
 * }</pre>
 *
 * <p>Every parameter, return value and record component of this package is non-null unless
 * annotated {@link org.jspecify.annotations.Nullable @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.agentsandbox.client;

import org.jspecify.annotations.NullMarked;
