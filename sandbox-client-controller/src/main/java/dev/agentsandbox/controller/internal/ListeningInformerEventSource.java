package dev.agentsandbox.controller.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.function.Consumer;

/**
 * An informer event source that also hands every object it receives to a listener, including
 * the initial list and changes the reconciler made itself (which JOSDK does not turn into
 * events). The listener runs on the informer's thread and must be quick.
 *
 * @param <R> the watched kind
 * @param <P> the primary kind
 */
final class ListeningInformerEventSource<R extends HasMetadata, P extends HasMetadata>
    extends InformerEventSource<R, P> {
  private final Consumer<R> onAddOrUpdate;
  private final Consumer<R> onDelete;

  ListeningInformerEventSource(InformerEventSourceConfiguration<R> configuration, EventSourceContext<P> context,
      Consumer<R> onAddOrUpdate, Consumer<R> onDelete) {
    super(configuration, context);
    this.onAddOrUpdate = onAddOrUpdate;
    this.onDelete = onDelete;
  }

  @Override
  public void onAdd(R resource) {
    super.onAdd(resource);
    onAddOrUpdate.accept(resource);
  }

  @Override
  public void onUpdate(R oldObject, R newObject) {
    super.onUpdate(oldObject, newObject);
    onAddOrUpdate.accept(newObject);
  }

  @Override
  public void onDelete(R resource, boolean deletedFinalStateUnknown) {
    super.onDelete(resource, deletedFinalStateUnknown);
    onDelete.accept(resource);
  }
}
