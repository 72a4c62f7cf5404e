package dev.agentsandbox.controller.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Runs a reconcile only for a resource that is still live: one marked for deletion, or deleted
 * while it was being reconciled (a 404 from any request), ends with no update and a call to
 * {@code forget}, since its delete event closes its processing.
 */
final class LiveResources {
  private LiveResources() {
  }

  /** Like {@link #reconcile(HasMetadata, Logger, Supplier, Runnable)}, with nothing to forget. */
  static <R extends HasMetadata> UpdateControl<R> reconcile(R resource, Logger log,
      Supplier<UpdateControl<R>> reconcile) {
    return reconcile(resource, log, reconcile, () -> { });
  }

  static <R extends HasMetadata> UpdateControl<R> reconcile(R resource, Logger log,
      Supplier<UpdateControl<R>> reconcile, Runnable forget) {
    if (resource.isMarkedForDeletion()) {
      forget.run();
      return UpdateControl.noUpdate();
    }
    try {
      return reconcile.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      log.debug("{} {}/{} is gone", resource.getKind(), resource.getMetadata().getNamespace(),
          resource.getMetadata().getName());
      forget.run();
      return UpdateControl.noUpdate();
    }
  }
}
