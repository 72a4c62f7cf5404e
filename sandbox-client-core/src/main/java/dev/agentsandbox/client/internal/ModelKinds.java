package dev.agentsandbox.client.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * Makes a Kubernetes client read the agent-sandbox kinds straight into their model classes.
 *
 * <p>fabric8 reads the object of a watch event by its apiVersion and kind, and only knows the
 * classes it was told about; for any other kind it builds a generic resource first and then
 * converts that into the watched class, which reads every event twice. Registering the model
 * classes spares that second pass in every watch and informer on the client.
 */
public final class ModelKinds {
  private static final List<Class<? extends HasMetadata>> KINDS = List.of(
      dev.agentsandbox.model.v1alpha1.Sandbox.class,
      dev.agentsandbox.model.v1alpha1.SandboxClaim.class,
      dev.agentsandbox.model.v1alpha1.SandboxTemplate.class,
      dev.agentsandbox.model.v1alpha1.SandboxWarmPool.class,
      dev.agentsandbox.model.v1beta1.Sandbox.class,
      dev.agentsandbox.model.v1beta1.SandboxClaim.class);

  private ModelKinds() {
  }

  /**
   * Registers the model classes with {@code client}'s serialization, except for a kind for which
   * the client already has a class (the application's own choice is kept).
   */
  public static void register(KubernetesClient client) {
    KubernetesSerialization serialization = client.getKubernetesSerialization();
    for (Class<? extends HasMetadata> kind : KINDS) {
      String apiVersion = HasMetadata.getApiVersion(kind);
      String name = HasMetadata.getKind(kind);
      Class<? extends KubernetesResource> known = serialization.getRegisteredKubernetesResource(apiVersion, name);
      if (known == null) {
        serialization.registerKubernetesResource(kind);
      }
    }
  }
}
