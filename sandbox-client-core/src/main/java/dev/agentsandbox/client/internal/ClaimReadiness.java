package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ClaimFailedException;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a claim's status says about readiness (PROTOCOL section 2.4). A pure function of the
 * claim, so it is judged the same way for watch events and re-lists. Readiness is judged by
 * condition type and status; reason text only matters for the terminal reasons.
 */
public sealed interface ClaimReadiness {
  /** Ready=False reason: the template does not exist. */
  String TEMPLATE_NOT_FOUND = "TemplateNotFound";
  /** Any condition with this reason: the requested warm pool does not exist. */
  String WARM_POOL_NOT_FOUND = "WarmPoolNotFound";
  /** Ready=False reasons the controller does not recover from. */
  Set<String> TERMINAL_REASONS = Set.of("InvalidMetadata", "EnvVarsInjectionRejected",
      "VolumeClaimTemplatesError", "ClaimExpired", "SandboxExpired");

  /** The claim is ready and served by the named sandbox. */
  record Ready(String sandboxName) implements ClaimReadiness {
  }

  /** Not ready yet; {@code description} says what was last seen. */
  record Pending(String description) implements ClaimReadiness {
  }

  /** The template is missing. */
  record TemplateMissing(String message) implements ClaimReadiness {
  }

  /** A terminal failure with the condition's reason and message. */
  record Failed(String reason, String message) implements ClaimReadiness {
  }

  /** Judges a claim of any version: the status has the same shape in all of them. */
  static ClaimReadiness of(HasMetadata claim, SandboxClaimStatus status) {
    if (claim.getMetadata() != null && claim.getMetadata().getDeletionTimestamp() != null) {
      // Held only by finalizers: it will never serve the client.
      return new Failed(ClaimFailedException.REASON_DELETED, "the claim is being deleted");
    }
    if (status == null) {
      return new Pending("no status yet");
    }
    List<Condition> conditions = status.conditions() == null ? List.of() : status.conditions();
    for (Condition c : conditions) {
      if (WARM_POOL_NOT_FOUND.equals(c.getReason())) {
        return new Failed(c.getReason(), c.getMessage());
      }
    }
    Optional<Condition> ready = status.condition(SandboxKeys.CONDITION_READY);
    String sandboxName = Optional.ofNullable(status.sandbox()).map(ClaimedSandbox::name)
        .filter(n -> !n.isBlank()).orElse(null);
    if (ready.isEmpty()) {
      return new Pending("no Ready condition yet" + (sandboxName == null ? "" : ", sandbox '" + sandboxName + "'"));
    }
    Condition c = ready.get();
    if ("False".equals(c.getStatus())) {
      if (TEMPLATE_NOT_FOUND.equals(c.getReason())) {
        return new TemplateMissing(c.getMessage());
      }
      if (c.getReason() != null && TERMINAL_REASONS.contains(c.getReason())) {
        return new Failed(c.getReason(), c.getMessage());
      }
    }
    if ("True".equals(c.getStatus()) && sandboxName != null) {
      return new Ready(sandboxName);
    }
    return new Pending("Ready=" + c.getStatus()
        + (c.getReason() == null ? "" : " reason " + c.getReason())
        + (c.getMessage() == null || c.getMessage().isBlank() ? "" : " (" + c.getMessage() + ")")
        + (sandboxName == null ? ", no sandbox name yet" : ", sandbox '" + sandboxName + "'"));
  }
}
