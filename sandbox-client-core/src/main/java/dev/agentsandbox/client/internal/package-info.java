/**
 * Implementation of {@link dev.agentsandbox.client.SandboxFleet} and
 * {@link dev.agentsandbox.client.SandboxClient}: claims at each API version
 * ({@code ClaimApi}) and which version to use ({@code ClaimVersionPolicy}), a claim's life
 * ({@code ClaimLifecycle}), reading Sandboxes ({@code SandboxReader}), creation and attachment
 * ({@code SandboxProvisioner}), readiness watching, sandbox handles, connectors and the
 * runtime's HTTP API, and the optional telemetry adapters.
 * Not a public API: it may change in any release.
 */
package dev.agentsandbox.client.internal;
