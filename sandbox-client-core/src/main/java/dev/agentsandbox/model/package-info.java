/**
 * Typed models of the agent-sandbox custom resources and the well-known label and annotation
 * keys shared by clients and controllers.
 *
 * @since 0.1.0
 */
package dev.agentsandbox.model;
