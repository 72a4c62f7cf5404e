package dev.agentsandbox.controller;

import static dev.agentsandbox.controller.ControllerHarness.assertControlledBy;
import static dev.agentsandbox.controller.ControllerHarness.namespace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.NetworkPolicyRules;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The NetworkPolicy each SandboxTemplate manages, against the CRUD mock (spec T1-T5). */
class TemplateNetworkPolicyTest {
  private static ControllerHarness harness;

  @BeforeAll
  static void start() {
    harness = ControllerHarness.start();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void T1_templateSpecReadsEveryField() {
    SandboxTemplate template = harness.client.getKubernetesSerialization().unmarshal("""
        apiVersion: extensions.agents.x-k8s.io/v1alpha1
        kind: SandboxTemplate
        metadata: {name: full}
        spec:
          podTemplate: {spec: {containers: [{name: c, image: i}]}}
          volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce]}}]
          networkPolicy:
            ingress: [{from: [{podSelector: {matchLabels: {app: x}}}]}]
            egress: []
          networkPolicyManagement: Unmanaged
          envVarsInjectionPolicy: Overrides
          service: true
        """, SandboxTemplate.class);
    SandboxTemplateSpec spec = template.getSpec();
    assertEquals("i", spec.podTemplate().getSpec().getContainers().get(0).getImage());
    assertEquals("data", spec.volumeClaimTemplates().get(0).getMetadata().getName());
    assertEquals(Map.of("app", "x"),
        spec.networkPolicy().ingress().get(0).getFrom().get(0).getPodSelector().getMatchLabels());
    assertEquals(List.of(), spec.networkPolicy().egress());
    assertEquals(SandboxTemplateSpec.NETWORK_UNMANAGED, spec.networkPolicyManagement());
    assertEquals(SandboxTemplateSpec.ENV_OVERRIDES, spec.envVarsInjectionPolicy());
    assertEquals(Boolean.TRUE, spec.service());
    assertNull(template.getStatus());
  }

  @Test
  void T4_managedTemplateWithoutRulesGetsTheDefaultPolicy() {
    String ns = namespace("t3");
    SandboxTemplate template = harness.createTemplate(ns, "test-template", new SandboxTemplateSpec(ControllerHarness.podTemplate()));

    NetworkPolicy policy = harness.await(NetworkPolicy.class, ns, "test-template-network-policy", any -> true);
    assertControlledBy(policy, template);
    NetworkPolicySpec spec = policy.getSpec();
    assertEquals(Map.of(SandboxKeys.TEMPLATE_REF_HASH, "69155462"), spec.getPodSelector().getMatchLabels());
    assertEquals(List.of("Ingress", "Egress"), spec.getPolicyTypes());
    assertEquals(1, spec.getIngress().size());
    NetworkPolicyPeer router = spec.getIngress().get(0).getFrom().get(0);
    assertEquals(Map.of("app", "sandbox-router"), router.getPodSelector().getMatchLabels());
    assertNull(router.getNamespaceSelector(), "same namespace only");
    assertTrue(spec.getIngress().get(0).getPorts() == null || spec.getIngress().get(0).getPorts().isEmpty(),
        "all ports");
    List<IPBlock> blocks = spec.getEgress().stream().flatMap(r -> r.getTo().stream()).map(NetworkPolicyPeer::getIpBlock)
        .toList();
    assertEquals(new IPBlock("0.0.0.0/0", List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")),
        blocks.get(0));
    assertEquals(new IPBlock("::/0", List.of("fc00::/7")), blocks.get(1));
  }

  @Test
  void T3_templateRulesReplaceTheDefaultAndEmptyListsDeny() {
    String ns = namespace("t3");
    NetworkPolicyRules rules = new NetworkPolicyRules(List.of(), List.of(new NetworkPolicyEgressRuleBuilder()
        .addNewTo().withNewIpBlock().withCidr("1.2.3.4/32").endIpBlock().endTo().build()));
    harness.createTemplate(ns, "strict",
        new SandboxTemplateSpec(ControllerHarness.podTemplate(), null, rules, null, null, null));

    NetworkPolicy policy = harness.await(NetworkPolicy.class, ns, "strict-network-policy", any -> true);
    assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
    assertEquals(List.of(), policy.getSpec().getIngress());
    assertEquals("1.2.3.4/32", policy.getSpec().getEgress().get(0).getTo().get(0).getIpBlock().getCidr());
    assertEquals(Map.of(SandboxKeys.TEMPLATE_REF_HASH, NameHash.of("strict")),
        policy.getSpec().getPodSelector().getMatchLabels());
  }

  @Test
  void T2_unmanagedTemplateDeletesThePolicyWhoeverOwnsIt() {
    String ns = namespace("t2");
    harness.client.network().v1().networkPolicies().inNamespace(ns).resource(new NetworkPolicyBuilder()
        .withNewMetadata().withName("open-network-policy").endMetadata()
        .withNewSpec().withNewPodSelector().endPodSelector().endSpec().build()).create();
    harness.createTemplate(ns, "open", new SandboxTemplateSpec(ControllerHarness.podTemplate(), null,
        null, SandboxTemplateSpec.NETWORK_UNMANAGED, null, null));

    harness.awaitAbsent(NetworkPolicy.class, ns, "open-network-policy");
  }

  @Test
  void T5_driftedPolicyIsOverwrittenAndSwitchingToUnmanagedRemovesIt() {
    String ns = namespace("t5");
    harness.createTemplate(ns, "drift", new SandboxTemplateSpec(ControllerHarness.podTemplate()));
    harness.await(NetworkPolicy.class, ns, "drift-network-policy", any -> true);

    harness.client.network().v1().networkPolicies().inNamespace(ns).withName("drift-network-policy").edit(p -> {
      p.getSpec().setIngress(List.of());
      return p;
    });
    harness.await(NetworkPolicy.class, ns, "drift-network-policy",
        p -> p.getSpec().getIngress() != null && p.getSpec().getIngress().size() == 1);

    harness.client.resources(SandboxTemplate.class).inNamespace(ns).withName("drift").edit(t -> {
      t.setSpec(new SandboxTemplateSpec(t.getSpec().podTemplate(), null, null,
          SandboxTemplateSpec.NETWORK_UNMANAGED, null, null));
      return t;
    });
    harness.awaitAbsent(NetworkPolicy.class, ns, "drift-network-policy");
  }
}
