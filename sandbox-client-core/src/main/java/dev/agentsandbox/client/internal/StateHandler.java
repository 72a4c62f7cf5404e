package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

/**
 * An informer's handler for code that cares only about an object's latest state, not whether
 * it was added or updated.
 *
 * @param <T> the resource type
 */
interface StateHandler<T> extends ResourceEventHandler<T> {

  /** {@code object} was added or updated; this is how it now is. */
  void changed(T object);

  @Override
  default void onAdd(T object) {
    changed(object);
  }

  @Override
  default void onUpdate(T previous, T object) {
    changed(object);
  }
}
