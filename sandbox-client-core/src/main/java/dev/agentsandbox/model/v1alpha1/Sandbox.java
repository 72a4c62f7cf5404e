package dev.agentsandbox.model.v1alpha1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A single isolated sandbox: one pod, optionally a headless service and PVCs. */
@Group(Sandbox.GROUP)
@Version(Sandbox.VERSION)
@Kind("Sandbox")
@Plural("sandboxes")
@Singular("sandbox")
@ShortNames("sandbox")
public class Sandbox extends CustomResource<SandboxSpec, SandboxStatus> implements Namespaced {
  /** API group of Sandbox. */
  public static final String GROUP = "agents.x-k8s.io";
  /** API version of this model. */
  public static final String VERSION = "v1alpha1";
  private static final long serialVersionUID = 1L;
}
