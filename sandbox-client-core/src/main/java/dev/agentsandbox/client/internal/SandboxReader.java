package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxState;
import dev.agentsandbox.model.BaseSandboxSpec;
import dev.agentsandbox.model.BaseSandboxStatus;
import dev.agentsandbox.model.SandboxKeys;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Reads a Sandbox of either API version into the one view the client needs: its Ready
 * condition, pod name and pod IPs. Thread-safe.
 */
public final class SandboxReader implements SandboxLookup {
  private final KubernetesClient kubernetes;
  private final BooleanSupplier v1beta1;

  /** @param v1beta1 whether to read Sandboxes at v1beta1; asked before every read */
  public SandboxReader(KubernetesClient kubernetes, BooleanSupplier v1beta1) {
    this.kubernetes = kubernetes;
    this.v1beta1 = v1beta1;
  }

  @Override
  public SandboxState status(SandboxRef ref) {
    Optional<SandboxView> sandbox = read(ref);
    if (sandbox.isEmpty()) {
      return new SandboxState(SandboxState.Phase.NOT_FOUND, "",
          "Sandbox '" + ref.sandboxName() + "' not found in namespace '" + ref.namespace() + "'");
    }
    Optional<Condition> ready = sandbox.get().conditions().stream()
        .filter(c -> SandboxKeys.CONDITION_READY.equals(c.getType())).findFirst();
    if (ready.isEmpty()) {
      return new SandboxState(SandboxState.Phase.NOT_READY, "", "no Ready condition yet");
    }
    if ("True".equals(ready.get().getStatus())) {
      return new SandboxState(SandboxState.Phase.READY, "", "");
    }
    return new SandboxState(SandboxState.Phase.NOT_READY, ready.get().getReason(),
        ready.get().getMessage());
  }

  @Override
  public String podName(SandboxRef ref) {
    return read(ref).map(s -> s.annotations().get(SandboxKeys.POD_NAME))
        .filter(n -> !n.isBlank()).orElse(ref.sandboxName());
  }

  @Override
  public Optional<String> podIp(SandboxRef ref) {
    List<String> ips = read(ref).map(SandboxView::podIPs).orElse(List.of());
    return ips.stream().filter(ip -> !ip.contains(":")).findFirst()
        .or(() -> ips.stream().findFirst());
  }

  @Override
  public List<Container> containers(SandboxRef ref) {
    return read(ref).map(SandboxView::containers).orElse(List.of());
  }

  /** The Sandbox of {@code ref}, or empty when it does not exist. */
  Optional<SandboxView> read(SandboxRef ref) {
    try {
      Class<? extends CustomResource<?, ? extends BaseSandboxStatus>> type = v1beta1.getAsBoolean()
          ? dev.agentsandbox.model.v1beta1.Sandbox.class
          : dev.agentsandbox.model.v1alpha1.Sandbox.class;
      return Optional.ofNullable(kubernetes.resources(type).inNamespace(ref.namespace())
          .withName(ref.sandboxName()).get()).map(SandboxView::of);
    } catch (KubernetesClientException e) {
      throw new SandboxException("Cannot read Sandbox '" + ref.sandboxName() + "' in namespace '"
          + ref.namespace() + "' (HTTP " + e.getCode() + "): check that your credentials may "
          + "get sandboxes", ref.claimName(), ref.namespace(), e);
    }
  }

  /** The parts of a Sandbox of any version the client reads. */
  record SandboxView(Map<String, String> annotations, List<Condition> conditions,
      List<String> podIPs, List<Container> containers) {
    SandboxView {
      annotations = annotations == null ? Map.of() : annotations;
      conditions = conditions == null ? List.of() : conditions;
      podIPs = podIPs == null ? List.of() : podIPs;
      containers = containers == null ? List.of() : containers;
    }

    static SandboxView of(CustomResource<?, ? extends BaseSandboxStatus> sandbox) {
      BaseSandboxStatus status = sandbox.getStatus();
      List<Container> containers = null;
      if (sandbox.getSpec() instanceof BaseSandboxSpec spec && spec.getPodTemplate() != null
          && spec.getPodTemplate().getSpec() != null) {
        containers = spec.getPodTemplate().getSpec().getContainers();
      }
      return new SandboxView(sandbox.getMetadata().getAnnotations(),
          status == null ? null : status.conditions(), status == null ? null : status.podIPs(),
          containers);
    }
  }
}
