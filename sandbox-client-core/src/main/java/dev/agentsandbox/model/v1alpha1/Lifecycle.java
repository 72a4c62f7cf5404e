package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * When and how a claim ends ({@code spec.lifecycle}, controllers from v0.1.1); without it a claim
 * never expires. It stays on the claim: the Sandbox made for the claim does not get a copy.
 *
 * @param shutdownTime RFC 3339 time at which the claim expires, or null
 * @param shutdownPolicy what happens at expiry: {@link #POLICY_DELETE},
 *     {@link #POLICY_DELETE_FOREGROUND} (v0.3+) or {@link #POLICY_RETAIN}; null means Retain
 * @param ttlSecondsAfterFinished seconds (at least 0) the claim lives on after its
 *     {@code Finished} condition turned True, or null; the claim expires then or at
 *     {@code shutdownTime}, whichever is earlier. v0.4.3+.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Lifecycle(String shutdownTime, String shutdownPolicy,
    Integer ttlSecondsAfterFinished) {
  /** Delete the claim (and so its sandbox) at expiry. */
  public static final String POLICY_DELETE = "Delete";
  /** Delete the claim in the foreground at expiry. */
  public static final String POLICY_DELETE_FOREGROUND = "DeleteForeground";
  /** Keep the claim, delete only its sandbox, at expiry; the CRD default. */
  public static final String POLICY_RETAIN = "Retain";
}
