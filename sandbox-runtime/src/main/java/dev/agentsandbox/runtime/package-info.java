/**
 * An in-process implementation of the sandbox runtime HTTP API (the reference
 * {@code python-runtime} image): health check, command execution, and file upload, download,
 * listing and existence checks confined to a base directory.
 *
 * <p>Start one with {@link dev.agentsandbox.runtime.SandboxRuntimeServer#start}; choose how
 * commands are isolated from the host with {@link dev.agentsandbox.runtime.IsolationPolicy},
 * and optionally have them started by a {@link dev.agentsandbox.runtime.CommandLauncher}.
 */
package dev.agentsandbox.runtime;
