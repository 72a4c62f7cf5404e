package dev.agentsandbox.model.v1alpha1;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;

final class Conditions {
  private Conditions() {
  }

  static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
