package dev.agentsandbox.controller.internal;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Edits a list of {@code metav1.Condition}s the way Kubernetes controllers do: the transition time
 * changes only when the status changes.
 */
final class ConditionList {
  private final List<Condition> conditions;
  private final Instant now;

  ConditionList(List<Condition> existing, Instant now) {
    this.conditions = new ArrayList<>();
    if (existing != null) {
      existing.forEach(c -> conditions.add(new ConditionBuilder(c).build()));
    }
    this.now = now;
  }

  /** Sets a condition, keeping the old transition time if the status is unchanged. */
  ConditionList set(String type, String status, String reason, String message, Long generation) {
    Condition old = find(type);
    String transition = old != null && Objects.equals(old.getStatus(), status)
        && old.getLastTransitionTime() != null
            ? old.getLastTransitionTime()
            : format(now);
    return put(new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build());
  }

  /** Puts a condition verbatim, replacing any condition of the same type in place. */
  ConditionList put(Condition condition) {
    Condition copy = new ConditionBuilder(condition).build();
    for (int i = 0; i < conditions.size(); i++) {
      if (condition.getType().equals(conditions.get(i).getType())) {
        conditions.set(i, copy);
        return this;
      }
    }
    conditions.add(copy);
    return this;
  }

  ConditionList remove(String type) {
    conditions.removeIf(c -> type.equals(c.getType()));
    return this;
  }

  /** The conditions, or null when there are none (so the field is omitted). */
  List<Condition> toList() {
    return conditions.isEmpty() ? null : new ArrayList<>(conditions);
  }

  private Condition find(String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** metav1.Time: RFC 3339 in UTC with whole seconds. */
  static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }
}
