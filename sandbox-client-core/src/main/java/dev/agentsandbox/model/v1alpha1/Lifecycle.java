package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * When and how a claim ends ({@code spec.lifecycle}, v0.1.1+); without it a claim never expires. It
 * stays on the claim: the Sandbox made for the claim does not get a copy.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class Lifecycle {
  /** Delete the claim (and so its sandbox) at expiry. */
  public static final String POLICY_DELETE = "Delete";
  /** Delete the claim in the foreground at expiry. */
  public static final String POLICY_DELETE_FOREGROUND = "DeleteForeground";
  /** Keep the claim, delete only its sandbox, at expiry; the CRD default. */
  public static final String POLICY_RETAIN = "Retain";

  private String shutdownTime;
  private String shutdownPolicy;
  private Integer ttlSecondsAfterFinished;

  /** RFC 3339 time at which the claim expires, or null. */
  public String getShutdownTime() {
    return shutdownTime;
  }

  /** Sets {@link #getShutdownTime()}. */
  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  /**
   * What happens at expiry: {@link #POLICY_DELETE}, {@link #POLICY_DELETE_FOREGROUND} (v0.3+) or
   * {@link #POLICY_RETAIN}; null means Retain.
   */
  public String getShutdownPolicy() {
    return shutdownPolicy;
  }

  /** Sets {@link #getShutdownPolicy()}. */
  public void setShutdownPolicy(String shutdownPolicy) {
    this.shutdownPolicy = shutdownPolicy;
  }

  /**
   * Seconds (at least 0) the claim lives on after its {@code Finished} condition turned True; the
   * claim expires then or at {@link #getShutdownTime()}, whichever is earlier. v0.4.3+.
   */
  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  /** Sets {@link #getTtlSecondsAfterFinished()}. */
  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }
}
