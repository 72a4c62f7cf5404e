/**
 * The agent-sandbox resources at API version {@code v1beta1} (reference releases v0.5 and
 * later): {@link dev.agentsandbox.model.v1beta1.Sandbox} in group {@code agents.x-k8s.io} and
 * {@link dev.agentsandbox.model.v1beta1.SandboxClaim} in group
 * {@code extensions.agents.x-k8s.io}. A v1beta1 claim names a warm pool
 * ({@code spec.warmPoolRef}) instead of a template, and may carry volume claim templates.
 * Shapes that did not change between versions ({@code lifecycle}, {@code env},
 * {@code additionalPodMetadata} and the claim status) are the v1alpha1 classes. Field names are
 * exactly those of the CRDs; unknown fields are ignored when reading.
 *
 * @since 0.1.0
 */
package dev.agentsandbox.model.v1beta1;
