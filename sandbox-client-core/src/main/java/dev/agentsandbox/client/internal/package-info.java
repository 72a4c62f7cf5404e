/**
 * Implementation of {@link dev.agentsandbox.client.SandboxClient}: claim creation, readiness
 * watching, the router tunnel and the runtime's HTTP API. Not a public API: it may change in
 * any release.
 */
package dev.agentsandbox.client.internal;
