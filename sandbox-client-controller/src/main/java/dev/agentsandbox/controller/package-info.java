/**
 * The agent-sandbox controller for API version v1alpha1 (Sandboxes, SandboxClaims with warm
 * adoption and expiry, SandboxWarmPools, SandboxTemplates' NetworkPolicies): {@link
 * dev.agentsandbox.controller.SandboxController} runs it in-process against any fabric8 client,
 * {@link dev.agentsandbox.controller.SandboxControllerMain} runs it as a program (the container
 * image's entry point, see {@code docs/controller.md}), and {@link
 * dev.agentsandbox.controller.AgentSandboxCrds} reads the CRDs it ships.
 *
 * @since 0.1.0
 */
package dev.agentsandbox.controller;
