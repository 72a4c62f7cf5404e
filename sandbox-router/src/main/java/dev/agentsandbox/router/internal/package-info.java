/**
 * Implementation of the sandbox router: header validation, sandbox address resolution and
 * request forwarding. Not a public API; it may change without notice.
 */
package dev.agentsandbox.router.internal;
