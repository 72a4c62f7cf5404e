package dev.agentsandbox.controller.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.Cloner;
import java.util.Objects;

/**
 * The deep copies the Operator SDK makes of every resource it hands to a reconcile: Jackson's
 * value conversion, which writes the object into a token buffer and reads it back, instead of
 * fabric8's default of writing it as JSON text and parsing that (the same copy for about two
 * thirds of the CPU).
 */
public final class ResourceCloner implements Cloner {
  private final KubernetesSerialization serialization;

  /**
   * Creates the cloner.
   *
   * @param serialization the client's, which knows the model classes
   */
  public ResourceCloner(KubernetesSerialization serialization) {
    this.serialization = Objects.requireNonNull(serialization, "serialization");
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends HasMetadata> R clone(R object) {
    // Jackson converts even an object of the target type (no shortcut returning it as is).
    return (R) serialization.convertValue(object, object.getClass());
  }
}
