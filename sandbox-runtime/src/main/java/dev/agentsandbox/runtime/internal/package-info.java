/** Implementation of the sandbox runtime; not a public API. */
package dev.agentsandbox.runtime.internal;
