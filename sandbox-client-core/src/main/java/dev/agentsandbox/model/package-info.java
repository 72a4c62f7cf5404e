/**
 * Typed models of the agent-sandbox custom resources and the well-known label and annotation
 * keys shared by clients and controllers.
 *
 * <p>Non-null unless annotated {@link org.jspecify.annotations.Nullable @Nullable}. The
 * resource classes of the {@code v1alpha1} and {@code v1beta1} packages are not null-marked:
 * like fabric8's models, their fields stay null until set.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.agentsandbox.model;

import org.jspecify.annotations.NullMarked;
