package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

/**
 * An informer's handler for code that cares only about an object's latest state, not whether
 * it was added, updated or deleted.
 *
 * @param <T> the resource type
 */
@FunctionalInterface
interface StateHandler<T> extends ResourceEventHandler<T> {

  /** How the object now is: as added or updated, or null once deleted. */
  void changed(T object);

  @Override
  default void onAdd(T object) {
    changed(object);
  }

  @Override
  default void onUpdate(T previous, T object) {
    changed(object);
  }

  @Override
  default void onDelete(T object, boolean finalStateUnknown) {
    changed(null);
  }
}
