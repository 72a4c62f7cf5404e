package dev.agentsandbox.model.v1beta1;

import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A request for a sandbox from a warm pool ({@code spec.warmPoolRef}); the pool names the
 * template. The status has the same shape as in v1alpha1.
 */
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
  public static final String VERSION = "v1beta1";
  private static final long serialVersionUID = 1L;
}
