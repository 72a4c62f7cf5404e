package dev.agentsandbox.model.v1alpha1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A reusable recipe for sandboxes: pod template, volumes, network and env policies. */
@Group(SandboxClaim.GROUP)
@Version(SandboxClaim.VERSION)
@Kind("SandboxTemplate")
@Plural("sandboxtemplates")
@Singular("sandboxtemplate")
@ShortNames("sandboxtemplate")
public class SandboxTemplate extends CustomResource<SandboxTemplateSpec, Void> implements Namespaced {
  private static final long serialVersionUID = 1L;
}
