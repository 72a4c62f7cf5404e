package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the NetworkPolicy of each SandboxTemplate (spec T1-T5): {@code <template>-network-policy}
 * with the template's rules or the secure default while the template is Managed, none while it
 * is Unmanaged. Event driven only: no events are recorded and nothing is requeued. Policies
 * controlled by a template are watched, so drift is repaired.
 */
@ControllerConfiguration(name = SandboxTemplateReconciler.NAME, generationAwareEventProcessing = false)
public final class SandboxTemplateReconciler implements Reconciler<SandboxTemplate> {
  /** Controller name. */
  public static final String NAME = "sandboxtemplate-controller";
  private static final Logger log = LoggerFactory.getLogger(SandboxTemplateReconciler.class);

  private volatile InformerEventSource<NetworkPolicy, SandboxTemplate> policies;

  @Override
  public List<EventSource<?, SandboxTemplate>> prepareEventSources(EventSourceContext<SandboxTemplate> context) {
    policies = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(NetworkPolicy.class, SandboxTemplate.class)
            .withName("template-network-policies")
            .build(),
        context);
    return List.of(policies);
  }

  @Override
  public UpdateControl<SandboxTemplate> reconcile(SandboxTemplate template, Context<SandboxTemplate> context) {
    if (template.isMarkedForDeletion()) {
      return UpdateControl.noUpdate(); // garbage collection removes the policy (T5)
    }
    KubernetesClient client = context.getClient();
    String namespace = template.getMetadata().getNamespace();
    String name = TemplateNetworkPolicies.name(template);
    var resource = client.network().v1().networkPolicies().inNamespace(namespace);
    // The cache holds every policy, whoever owns it: T2 and T5 do not check ownership.
    NetworkPolicy existing = policies.get(new ResourceID(name, namespace)).orElse(null);
    if (!TemplateNetworkPolicies.managed(template.getSpec())) {
      // Deleted by name, cached or not: a policy created just before the template may not be in
      // the cache yet, and no later event of it need come (nothing changes it).
      if (!resource.withName(name).delete().isEmpty()) {
        log.info("Deleted NetworkPolicy {}/{}: template {} is Unmanaged", namespace, name, template.getMetadata().getName());
      }
      return UpdateControl.noUpdate();
    }
    NetworkPolicy desired = TemplateNetworkPolicies.desired(template);
    if (existing == null) {
      try {
        NetworkPolicy created = resource.resource(desired).create();
        policies.handleRecentResourceCreate(ResourceID.fromResource(created), created);
        log.debug("Created NetworkPolicy {}/{}", namespace, name);
        return UpdateControl.noUpdate();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = resource.withName(name).get();
        if (existing == null) {
          throw e;
        }
      }
    }
    if (!TemplateNetworkPolicies.sameSpec(existing.getSpec(), desired.getSpec())) {
      NetworkPolicy updated = Serialization.clone(existing);
      updated.setSpec(desired.getSpec());
      NetworkPolicy written = resource.resource(updated).update();
      policies.handleRecentResourceUpdate(ResourceID.fromResource(written), written, existing);
      log.debug("Updated NetworkPolicy {}/{}", namespace, name);
    }
    return UpdateControl.noUpdate();
  }
}
