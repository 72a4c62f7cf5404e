package dev.agentsandbox.model.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** When and how a claim's sandbox ends. */
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

  /** RFC 3339 time at which the claim expires. */
  public String getShutdownTime() {
    return shutdownTime;
  }

  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  public String getShutdownPolicy() {
    return shutdownPolicy;
  }

  public void setShutdownPolicy(String shutdownPolicy) {
    this.shutdownPolicy = shutdownPolicy;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }
}
