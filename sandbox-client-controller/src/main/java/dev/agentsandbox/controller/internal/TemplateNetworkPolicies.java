package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.NetworkPolicyRules;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The NetworkPolicy a SandboxTemplate manages, as pure functions of the template (spec T2-T5). */
final class TemplateNetworkPolicies {
  static final List<String> POLICY_TYPES = List.of("Ingress", "Egress");
  /** Private, link-local (cloud metadata) IPv4 ranges that sandboxes may not reach by default. */
  static final List<String> BLOCKED_IPV4 = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16");
  /** Unique local IPv6 addresses, blocked by default. */
  static final List<String> BLOCKED_IPV6 = List.of("fc00::/7");

  private TemplateNetworkPolicies() {
  }

  /** T2/T3: the name of the template's policy. */
  static String name(SandboxTemplate template) {
    return template.getMetadata().getName() + "-network-policy";
  }

  /** T1: whether the controller manages the policy; anything but {@code Unmanaged} means yes. */
  static boolean managed(SandboxTemplateSpec spec) {
    return spec == null || !SandboxTemplateSpec.NETWORK_UNMANAGED.equals(spec.networkPolicyManagement());
  }

  /** T3/T5: the policy to keep for a managed template, controlled by it. */
  static NetworkPolicy desired(SandboxTemplate template) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(name(template))
        .withNamespace(template.getMetadata().getNamespace())
        .withOwnerReferences(ControllerReferences.to(template))
        .endMetadata()
        .withSpec(spec(template))
        .build();
  }

  /** T3: selects the template's pods and applies its rules, or the T4 default without rules. */
  static NetworkPolicySpec spec(SandboxTemplate template) {
    NetworkPolicySpec spec = new NetworkPolicySpec();
    spec.setPodSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
        .withMatchLabels(Map.of(SandboxKeys.TEMPLATE_REF_HASH, NameHash.of(template.getMetadata().getName())))
        .build());
    spec.setPolicyTypes(new ArrayList<>(POLICY_TYPES));
    NetworkPolicyRules rules = template.getSpec() == null ? null : template.getSpec().networkPolicy();
    if (rules == null) {
      spec.setIngress(defaultIngress());
      spec.setEgress(defaultEgress());
    } else {
      // An empty (or absent) list of rules denies that direction: policyTypes names both.
      spec.setIngress(rules.ingress() == null ? new ArrayList<>() : copy(rules.ingress()));
      spec.setEgress(rules.egress() == null ? new ArrayList<>() : copy(rules.egress()));
    }
    return spec;
  }

  /** T4: only the sandbox router, from the same namespace, on any port. */
  static List<NetworkPolicyIngressRule> defaultIngress() {
    return new ArrayList<>(List.of(new NetworkPolicyIngressRuleBuilder()
        .addNewFrom().withNewPodSelector().addToMatchLabels("app", "sandbox-router").endPodSelector().endFrom()
        .build()));
  }

  /** T4: the public internet only; private ranges, metadata endpoints and cluster DNS are blocked. */
  static List<NetworkPolicyEgressRule> defaultEgress() {
    return new ArrayList<>(List.of(new NetworkPolicyEgressRuleBuilder()
        .addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").withExcept(BLOCKED_IPV4).endIpBlock().endTo()
        .addNewTo().withNewIpBlock().withCidr("::/0").withExcept(BLOCKED_IPV6).endIpBlock().endTo()
        .build()));
  }

  /** T5: whether two specs mean the same policy (absent and empty lists count as equal). */
  static boolean sameSpec(NetworkPolicySpec actual, NetworkPolicySpec desired) {
    return KubernetesWrites.sameJson(normalize(actual), normalize(desired));
  }

  private static NetworkPolicySpec normalize(NetworkPolicySpec spec) {
    NetworkPolicySpec copy = spec == null ? new NetworkPolicySpec() : Serialization.clone(spec);
    if (copy.getIngress() == null) {
      copy.setIngress(new ArrayList<>());
    }
    if (copy.getEgress() == null) {
      copy.setEgress(new ArrayList<>());
    }
    if (copy.getPolicyTypes() == null) {
      copy.setPolicyTypes(new ArrayList<>());
    }
    return copy;
  }

  private static <T> List<T> copy(List<T> rules) {
    List<T> copies = new ArrayList<>();
    rules.forEach(r -> copies.add(Serialization.clone(r)));
    return copies;
  }
}
