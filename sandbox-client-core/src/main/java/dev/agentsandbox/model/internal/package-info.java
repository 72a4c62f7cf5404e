/**
 * Helpers shared by the client, the controller, the router and the embedded cluster: label
 * hashing, Kubernetes name rules and the router protocol's names and numbers. Not public API;
 * they may change in any release.
 */
@NullMarked
package dev.agentsandbox.model.internal;

import org.jspecify.annotations.NullMarked;
