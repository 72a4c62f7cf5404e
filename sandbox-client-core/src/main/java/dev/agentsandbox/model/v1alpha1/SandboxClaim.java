package dev.agentsandbox.model.v1alpha1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A request for a sandbox made from a {@link SandboxTemplate}, possibly from a warm pool. */
@Group(SandboxClaim.GROUP)
@Version(SandboxClaim.VERSION)
@Kind("SandboxClaim")
@Plural("sandboxclaims")
@Singular("sandboxclaim")
@ShortNames("sandboxclaim")
public class SandboxClaim extends CustomResource<SandboxClaimSpec, SandboxClaimStatus>
    implements Namespaced {
  /** API group of the extension kinds. */
  public static final String GROUP = "extensions.agents.x-k8s.io";
  /** API version of this model. */
  public static final String VERSION = "v1alpha1";
  private static final long serialVersionUID = 1L;
}
