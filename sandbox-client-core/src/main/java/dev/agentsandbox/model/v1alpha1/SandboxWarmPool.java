package dev.agentsandbox.model.v1alpha1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A pool of pre-started sandboxes of one template, adopted by claims. */
@Group(SandboxClaim.GROUP)
@Version(SandboxClaim.VERSION)
@Kind("SandboxWarmPool")
@Plural("sandboxwarmpools")
@Singular("sandboxwarmpool")
@ShortNames("swp")
public class SandboxWarmPool extends CustomResource<SandboxWarmPoolSpec, SandboxWarmPoolStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;
}
