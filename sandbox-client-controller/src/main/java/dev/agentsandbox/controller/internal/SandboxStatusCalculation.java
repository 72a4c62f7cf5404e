package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The status a Sandbox should have, computed from what one reconcile observed (spec S10-S13).
 *
 * @param sandbox the Sandbox as read at the start of the reconcile
 * @param pod its pod, or null when there is none (or replicas is 0)
 * @param suspended whether {@code spec.replicas} is 0
 * @param ownedService the name of the Service this Sandbox controls, or null
 * @param serviceRequired whether readiness needs the Service (S12)
 * @param errors child errors of this reconcile, empty when none
 * @param clusterDomain cluster DNS domain for the service FQDN
 */
record SandboxStatusCalculation(
    Sandbox sandbox,
    Pod pod,
    boolean suspended,
    String ownedService,
    boolean serviceRequired,
    List<String> errors,
    String clusterDomain) {

  static final String REASON_READY = "DependenciesReady";
  static final String REASON_NOT_READY = "DependenciesNotReady";
  static final String REASON_ERROR = "ReconcilerError";
  /** The status of a Sandbox that has none yet. */
  static final SandboxStatus NO_STATUS = new SandboxStatus(null, null, null, null, null, null);

  /** Computes the new status; {@code now} stamps changed conditions. */
  SandboxStatus compute(Instant now) {
    SandboxStatus old = sandbox.getStatus() == null ? NO_STATUS : sandbox.getStatus();
    String namespace = sandbox.getMetadata().getNamespace();
    String serviceFqdn = ownedService == null ? null
        : SandboxServices.fqdn(ownedService, namespace, clusterDomain);
    Integer replicas = null;
    String selector = old.selector();
    List<String> podIPs = null;
    if (pod != null) {
      replicas = 1;
      selector = SandboxKeys.SANDBOX_NAME_HASH + "=" + NameHash.of(sandbox.getMetadata().getName());
      List<String> ips = podIPs(pod);
      podIPs = ips.isEmpty() ? null : ips;
    }

    ConditionList conditions = new ConditionList(old.conditions(), now);
    Long generation = sandbox.getMetadata().getGeneration();
    if (!errors.isEmpty()) {
      conditions.set(SandboxKeys.CONDITION_READY, "False", REASON_ERROR,
          "Error seen: " + String.join("\n", errors), generation);
    } else {
      boolean podOk = podOk();
      StringBuilder message = new StringBuilder(podMessage());
      boolean serviceOk = true;
      if (serviceRequired) {
        serviceOk = ownedService != null;
        message.append(serviceOk ? "; Service Exists" : "; Service does not exist");
      }
      boolean ready = podOk && serviceOk;
      conditions.set(SandboxKeys.CONDITION_READY, ready ? "True" : "False",
          ready ? REASON_READY : REASON_NOT_READY, message.toString(), generation);
    }

    String phase = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase)) {
      conditions.set(SandboxKeys.CONDITION_FINISHED, "True", "PodSucceeded", "Pod completed successfully", generation);
    } else if ("Failed".equals(phase)) {
      conditions.set(SandboxKeys.CONDITION_FINISHED, "True", "PodFailed", "Pod failed", generation);
    } else {
      conditions.remove(SandboxKeys.CONDITION_FINISHED);
    }
    return new SandboxStatus(conditions.toList(), podIPs, selector, ownedService, replicas, serviceFqdn);
  }

  private boolean podOk() {
    if (pod == null) {
      return suspended;
    }
    return "Running".equals(phase()) && podReady() && !podIPs(pod).isEmpty();
  }

  private String podMessage() {
    if (pod == null) {
      return suspended ? "Pod does not exist, replicas is 0" : "Pod does not exist";
    }
    if (!"Running".equals(phase())) {
      return "Pod exists with phase: " + Objects.requireNonNullElse(phase(), "");
    }
    if (!podReady()) {
      return "Pod is Running but not Ready";
    }
    return podIPs(pod).isEmpty() ? "Pod is Ready but has no podIPs yet" : "Pod is Ready";
  }

  private String phase() {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  private boolean podReady() {
    PodStatus status = pod.getStatus();
    return status != null && status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static List<String> podIPs(Pod pod) {
    PodStatus status = pod.getStatus();
    if (status == null || status.getPodIPs() == null) {
      return List.of();
    }
    return status.getPodIPs().stream().map(PodIP::getIp).filter(Objects::nonNull).toList();
  }
}
