package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An environment variable a claim injects into its sandbox (an entry of {@code spec.env},
 * controllers from v0.4). Only a freshly created sandbox gets it, and only if the template's
 * {@code envVarsInjectionPolicy} allows injection.
 *
 * @param name name of the variable; a variable of the same name in the template is replaced only
 *     if the template's policy is {@code Overrides}
 * @param value literal value of the variable
 * @param containerName name of the target container or init container; null means the first
 *     container
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClaimEnvVar(String name, String value, String containerName) {
}
