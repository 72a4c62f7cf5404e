/**
 * Spring Boot auto-configuration of a {@link dev.agentsandbox.client.SandboxFleet} from
 * {@code agent-sandbox.*} properties, its health indicator, and Spring AI tool callbacks.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.agentsandbox.spring.boot;

import org.jspecify.annotations.NullMarked;
