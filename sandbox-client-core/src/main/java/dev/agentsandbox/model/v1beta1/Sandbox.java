package dev.agentsandbox.model.v1beta1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A single isolated sandbox at v1beta1: suspended and resumed through its operating mode. */
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
  public static final String VERSION = "v1beta1";
  private static final long serialVersionUID = 1L;
}
