package dev.agentsandbox.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata;
import dev.agentsandbox.model.v1alpha1.ClaimEnvVar;
import dev.agentsandbox.model.v1alpha1.NetworkPolicyRules;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClaimSandboxesTest {

  @Test
  void C5_sandboxIsNamedAfterTheClaimAndCarriesClaimAndTemplateKeys() {
    SandboxTemplate template = Fixtures.template("test-template", Fixtures.podTemplate(Map.of("app", "py"), Map.of("a", "1")));
    PersistentVolumeClaimTemplate vct = new PersistentVolumeClaimTemplate();
    vct.setMetadata(new ObjectMetaBuilder().withName("data").build());
    template.setSpec(new SandboxTemplateSpec(template.getSpec().podTemplate(), List.of(vct), null, null, null, true));
    SandboxClaim claim = Fixtures.claim("my-claim", "test-template");
    claim.getMetadata().setAnnotations(Map.of(SandboxKeys.TRACE_CONTEXT, "{}"));

    Sandbox sandbox = ClaimSandboxes.desired(claim, template);

    assertEquals("my-claim", sandbox.getMetadata().getName());
    assertEquals("ns", sandbox.getMetadata().getNamespace());
    assertEquals(Map.of(SandboxKeys.CLAIM_UID, "claim-uid"), sandbox.getMetadata().getLabels());
    assertEquals(Map.of(SandboxKeys.TEMPLATE_REF, "test-template", SandboxKeys.TRACE_CONTEXT, "{}"),
        sandbox.getMetadata().getAnnotations());
    OwnerReference owner = sandbox.getMetadata().getOwnerReferences().get(0);
    assertEquals("extensions.agents.x-k8s.io/v1alpha1", owner.getApiVersion());
    assertEquals("SandboxClaim", owner.getKind());
    assertEquals("my-claim", owner.getName());
    assertEquals("claim-uid", owner.getUid());
    assertTrue(owner.getController());
    assertTrue(owner.getBlockOwnerDeletion());
    assertEquals(Map.of("app", "py", SandboxKeys.CLAIM_UID, "claim-uid", SandboxKeys.TEMPLATE_REF_HASH, "69155462"),
        sandbox.getSpec().getPodTemplate().getMetadata().getLabels());
    assertEquals(Map.of("a", "1"), sandbox.getSpec().getPodTemplate().getMetadata().getAnnotations());
    assertEquals(1, sandbox.getSpec().getReplicas());
    assertEquals(Boolean.TRUE, sandbox.getSpec().getService());
    assertEquals("data", sandbox.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName());
    assertNull(sandbox.getSpec().getShutdownTime());
    assertEquals(Map.of("app", "py"), template.getSpec().podTemplate().getMetadata().getLabels(),
        "the template is not modified");
  }

  @Test
  void X4_secureDefaultsFillOnlyUnsetFields() {
    SandboxTemplateSpec managedDefault = new SandboxTemplateSpec(null);
    PodSpec spec = new PodSpec();
    ClaimSandboxes.applySecureDefaults(spec, managedDefault);
    assertEquals(Boolean.FALSE, spec.getAutomountServiceAccountToken());
    assertEquals("None", spec.getDnsPolicy());
    assertEquals(List.of("8.8.8.8", "1.1.1.1"), spec.getDnsConfig().getNameservers());

    PodSpec explicit = new PodSpec();
    explicit.setAutomountServiceAccountToken(true);
    explicit.setDnsPolicy("ClusterFirst");
    ClaimSandboxes.applySecureDefaults(explicit, managedDefault);
    assertEquals(Boolean.TRUE, explicit.getAutomountServiceAccountToken());
    assertEquals("ClusterFirst", explicit.getDnsPolicy());
    assertNull(explicit.getDnsConfig());
  }

  @Test
  void X4_dnsIsLeftAloneWithCustomOrUnmanagedNetworkPolicy() {
    SandboxTemplateSpec custom =
        new SandboxTemplateSpec(null, null, new NetworkPolicyRules(null, null), null, null, null);
    PodSpec spec = new PodSpec();
    ClaimSandboxes.applySecureDefaults(spec, custom);
    assertNull(spec.getDnsPolicy());

    SandboxTemplateSpec unmanaged =
        new SandboxTemplateSpec(null, null, null, SandboxTemplateSpec.NETWORK_UNMANAGED, null, null);
    ClaimSandboxes.applySecureDefaults(spec, unmanaged);
    assertNull(spec.getDnsPolicy());
    assertEquals(Boolean.FALSE, spec.getAutomountServiceAccountToken());
  }

  @Test
  void C14_claimMetadataIsMergedAndConflictsFail() {
    SandboxTemplate template = Fixtures.template("t", Fixtures.podTemplate(Map.of("team", "a"), null));
    SandboxClaim claim = Fixtures.claim("c", "t");
    claim.setSpec(new SandboxClaimSpec(new TemplateRef("t"), null, null,
        new AdditionalPodMetadata(Map.of("team", "a", "user", "u1"), Map.of("note", "hi")), null));

    var meta = ClaimSandboxes.podTemplateMetadata(claim, template);
    assertEquals("u1", meta.getLabels().get("user"));
    assertEquals(Map.of("note", "hi"), meta.getAnnotations());

    claim.setSpec(new SandboxClaimSpec(new TemplateRef("t"), null, null,
        new AdditionalPodMetadata(Map.of("team", "b"), null), null));
    ReconcileFailure failure = assertThrows(ReconcileFailure.class, () -> ClaimSandboxes.podTemplateMetadata(claim, template));
    assertEquals("metadata override conflict: label \"team\" is defined in template with value \"a\", "
        + "but claim requests \"b\"", failure.getMessage());
  }

  @Test
  void C13_restrictedDomainsAndBadLabelValuesAreInvalidMetadata() {
    ReconcileFailure failure = assertThrows(ReconcileFailure.class,
        () -> ClaimSandboxes.validate(new AdditionalPodMetadata(Map.of("sub.k8s.io/x", "v"), null)));
    assertEquals("InvalidMetadata", failure.reason());
    assertFalse(failure.retryable());
    assertEquals("invalid additionalPodMetadata: failed to validate label \"sub.k8s.io/x\": restricted system "
        + "domain: \"sub.k8s.io/x\" is not allowed in AdditionalPodMetadata", failure.getMessage());

    AdditionalPodMetadata badValue = new AdditionalPodMetadata(Map.of("ok", "not valid!"), null);
    assertTrue(assertThrows(ReconcileFailure.class, () -> ClaimSandboxes.validate(badValue)).getMessage()
        .startsWith("invalid additionalPodMetadata: failed to validate label \"ok\": invalid label value: \"not valid!\""));

    Map<String, String> labels = Map.of("example.com/ok", "fine", "notk8s.io/x", "y");
    assertThrows(ReconcileFailure.class, () -> ClaimSandboxes.validate(
        new AdditionalPodMetadata(labels, Map.of("Agents.X-K8s.io/a", "v"))));
    ClaimSandboxes.validate(new AdditionalPodMetadata(labels, Map.of()));
  }

  @Test
  void C15_envIsInjectedAsThePolicyAllows() {
    SandboxTemplateSpec disallowed = new SandboxTemplateSpec(null);
    PodSpec spec = Fixtures.podTemplate(Map.of(), Map.of()).getSpec();
    spec.getContainers().get(0).setEnv(List.of(new EnvVar("A", "template", null)));
    List<ClaimEnvVar> env = List.of(new ClaimEnvVar("B", "claim", null));

    assertEquals("environment variable injection is not allowed by the template policy",
        assertThrows(ReconcileFailure.class, () -> ClaimSandboxes.injectEnv(spec, env, disallowed)).getMessage());

    SandboxTemplateSpec allowed = envPolicy(SandboxTemplateSpec.ENV_ALLOWED);
    ClaimSandboxes.injectEnv(spec, env, allowed);
    assertEquals(List.of(new EnvVar("A", "template", null), new EnvVar("B", "claim", null)),
        spec.getContainers().get(0).getEnv());

    List<ClaimEnvVar> override = List.of(new ClaimEnvVar("A", "claim", "runtime"));
    assertEquals("environment variable override is not allowed by the template policy for variable \"A\"",
        assertThrows(ReconcileFailure.class, () -> ClaimSandboxes.injectEnv(spec, override, allowed)).getMessage());
    SandboxTemplateSpec overrides = envPolicy(SandboxTemplateSpec.ENV_OVERRIDES);
    ClaimSandboxes.injectEnv(spec, override, overrides);
    assertEquals(new EnvVar("A", "claim", null), spec.getContainers().get(0).getEnv().get(0));

    List<ClaimEnvVar> elsewhere = List.of(new ClaimEnvVar("C", "x", "sidecar"));
    assertEquals("target container \"sidecar\" not found in template for environment variable \"C\"",
        assertThrows(ReconcileFailure.class, () -> ClaimSandboxes.injectEnv(spec, elsewhere, overrides)).getMessage());
  }

  private static SandboxTemplateSpec envPolicy(String envVarsInjectionPolicy) {
    return new SandboxTemplateSpec(null, null, null, null, envVarsInjectionPolicy, null);
  }
}
