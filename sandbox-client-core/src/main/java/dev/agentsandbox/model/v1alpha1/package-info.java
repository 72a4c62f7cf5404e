/**
 * The agent-sandbox resources at API version {@code v1alpha1}: {@link
 * dev.agentsandbox.model.v1alpha1.Sandbox} in group {@code agents.x-k8s.io}, and {@link
 * dev.agentsandbox.model.v1alpha1.SandboxClaim}, {@link
 * dev.agentsandbox.model.v1alpha1.SandboxTemplate} and {@link
 * dev.agentsandbox.model.v1alpha1.SandboxWarmPool} in group {@code extensions.agents.x-k8s.io}.
 * Field names are exactly those of the CRDs; unknown fields are ignored when reading.
 *
 * @since 0.1.0
 */
package dev.agentsandbox.model.v1alpha1;
