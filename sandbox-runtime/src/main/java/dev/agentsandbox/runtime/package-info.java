/**
 * The sandbox runtime: the HTTP API a sandbox pod serves (that of the reference
 * {@code python-runtime} image): health check, command execution, and file upload, download,
 * listing and existence checks confined to a base directory.
 *
 * <p>Run {@link dev.agentsandbox.runtime.SandboxRuntimeMain} as a sandbox's process (the
 * module's container image does), or start one in-process with
 * {@link dev.agentsandbox.runtime.SandboxRuntimeServer#start}, as the embedded cluster does;
 * choose how commands are isolated from the host with
 * {@link dev.agentsandbox.runtime.IsolationPolicy}, and optionally have them started by a
 * {@link dev.agentsandbox.runtime.CommandLauncher}.
 */
package dev.agentsandbox.runtime;
