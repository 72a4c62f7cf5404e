package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headless Service of a Sandbox as a pure function of the Sandbox (spec S9). */
final class SandboxServices {
  private SandboxServices() {
  }

  /** S9: the Service to create when {@code spec.service} is true and there is none. */
  static Service desired(Sandbox sandbox) {
    Map<String, String> selector = selector(sandbox);
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(sandbox.getMetadata().getName())
        .withNamespace(sandbox.getMetadata().getNamespace())
        .withLabels(new LinkedHashMap<>(selector))
        .withOwnerReferences(ControllerReferences.to(sandbox))
        .endMetadata()
        .withNewSpec()
        .withClusterIP("None")
        .withSelector(selector)
        .endSpec()
        .build();
  }

  /**
   * Sets the name-hash label and replaces the selector of an existing Service, in place (S9
   * adoption and drift repair). Returns whether anything changed.
   */
  static boolean syncLabelAndSelector(Service service, Sandbox sandbox) {
    Map<String, String> selector = selector(sandbox);
    boolean changed = false;
    Map<String, String> labels = service.getMetadata().getLabels() == null
        ? new LinkedHashMap<>()
        : new LinkedHashMap<>(service.getMetadata().getLabels());
    String hash = selector.get(SandboxKeys.SANDBOX_NAME_HASH);
    if (!hash.equals(labels.get(SandboxKeys.SANDBOX_NAME_HASH))) {
      labels.put(SandboxKeys.SANDBOX_NAME_HASH, hash);
      service.getMetadata().setLabels(labels);
      changed = true;
    }
    if (!selector.equals(service.getSpec().getSelector())) {
      service.getSpec().setSelector(selector);
      changed = true;
    }
    return changed;
  }

  /** The FQDN of a Service in the given cluster domain (S10). */
  static String fqdn(String service, String namespace, String clusterDomain) {
    return service + "." + namespace + ".svc." + clusterDomain;
  }

  private static Map<String, String> selector(Sandbox sandbox) {
    return Map.of(SandboxKeys.SANDBOX_NAME_HASH, NameHash.of(sandbox.getMetadata().getName()));
  }
}
