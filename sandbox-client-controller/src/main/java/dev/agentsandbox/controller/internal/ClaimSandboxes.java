package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.AdditionalPodMetadata;
import dev.agentsandbox.model.v1alpha1.ClaimEnvVar;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxSpec;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxTemplateSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The Sandbox a claim cold-creates from its template, as pure functions (spec C5, C6, C13-C15, X4). */
final class ClaimSandboxes {
  /** Reason reported for additionalPodMetadata that fails C13 validation. */
  static final String REASON_INVALID_METADATA = "InvalidMetadata";

  static final List<String> PUBLIC_DNS = List.of("8.8.8.8", "1.1.1.1");
  private static final List<String> RESTRICTED_DOMAINS = List.of("kubernetes.io", "k8s.io", "agents.x-k8s.io");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

  private ClaimSandboxes() {
  }

  /**
   * C5: the Sandbox to create for {@code claim}, named like it and controlled by it.
   *
   * @throws ReconcileFailure if the claim's additional metadata conflicts with the template's
   */
  static Sandbox desired(SandboxClaim claim, SandboxTemplate template) {
    ObjectMeta claimMeta = claim.getMetadata();
    SandboxTemplateSpec templateSpec = template.getSpec() == null ? new SandboxTemplateSpec(null) : template.getSpec();

    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(SandboxKeys.TEMPLATE_REF, template.getMetadata().getName());
    String trace = claimMeta.getAnnotations() == null ? null : claimMeta.getAnnotations().get(SandboxKeys.TRACE_CONTEXT);
    if (trace != null) {
      annotations.put(SandboxKeys.TRACE_CONTEXT, trace);
    }

    PodTemplateSpec podTemplate = templateSpec.podTemplate() == null
        ? new PodTemplateSpec()
        : Serialization.clone(templateSpec.podTemplate());
    podTemplate.setMetadata(podTemplateMetadata(claim, template));
    PodSpec podSpec = podTemplate.getSpec() == null ? new PodSpec() : podTemplate.getSpec();
    injectEnv(podSpec, claim.getSpec() == null ? null : claim.getSpec().env(), templateSpec);
    applySecureDefaults(podSpec, templateSpec);
    podTemplate.setSpec(podSpec);

    SandboxSpec spec = sandboxSpec(podTemplate, templateSpec);

    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder()
        .withName(claimMeta.getName())
        .withNamespace(claimMeta.getNamespace())
        .withLabels(Map.of(SandboxKeys.CLAIM_UID, claimMeta.getUid()))
        .withAnnotations(annotations)
        .withOwnerReferences(ControllerReferences.to(claim))
        .build());
    sandbox.setSpec(spec);
    return sandbox;
  }

  /**
   * C6: the pod template metadata a claim's Sandbox must carry: the template's, plus the claim
   * UID and template hash labels, plus the claim's additional metadata.
   *
   * @throws ReconcileFailure if the claim's additional metadata conflicts with the template's (C14)
   */
  static ObjectMeta podTemplateMetadata(SandboxClaim claim, SandboxTemplate template) {
    SandboxTemplateSpec spec = template.getSpec();
    ObjectMeta source = spec == null || spec.podTemplate() == null ? null : spec.podTemplate().getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(SandboxPods.orEmpty(source == null ? null : source.getLabels()));
    Map<String, String> annotations =
        new LinkedHashMap<>(SandboxPods.orEmpty(source == null ? null : source.getAnnotations()));
    labels.put(SandboxKeys.CLAIM_UID, claim.getMetadata().getUid());
    labels.put(SandboxKeys.TEMPLATE_REF_HASH, NameHash.of(template.getMetadata().getName()));
    AdditionalPodMetadata extra = claim.getSpec() == null ? null : claim.getSpec().additionalPodMetadata();
    if (extra != null) {
      merge("label", labels, extra.labels());
      merge("annotation", annotations, extra.annotations());
    }
    return new ObjectMetaBuilder()
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .build();
  }

  private static void merge(String kind, Map<String, String> target, Map<String, String> extra) {
    if (extra == null) {
      return;
    }
    extra.forEach((key, value) -> {
      String existing = target.get(key);
      if (existing != null && !existing.equals(value)) {
        throw new ReconcileFailure("metadata override conflict: " + kind + " \"" + key
            + "\" is defined in template with value \"" + existing + "\", but claim requests \"" + value + "\"");
      }
      target.put(key, value);
    });
  }

  /**
   * C13: rejects additional pod metadata in restricted system domains and invalid label values.
   *
   * @throws ReconcileFailure with reason {@link #REASON_INVALID_METADATA}, not retryable
   */
  static void validate(AdditionalPodMetadata metadata) {
    if (metadata == null) {
      return;
    }
    SandboxPods.orEmpty(metadata.labels()).forEach((key, value) -> {
      checkDomain("label", key);
      if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
        throw invalid("failed to validate label \"" + key + "\": invalid label value: \"" + value
            + "\" does not match allowed pattern: " + LABEL_VALUE.pattern());
      }
    });
    SandboxPods.orEmpty(metadata.annotations()).keySet().forEach(key -> checkDomain("annotation", key));
  }

  private static void checkDomain(String kind, String key) {
    int slash = key.indexOf('/');
    if (slash < 0) {
      return;
    }
    String prefix = key.substring(0, slash).toLowerCase(Locale.ROOT);
    for (String domain : RESTRICTED_DOMAINS) {
      if (prefix.equals(domain) || prefix.endsWith("." + domain)) {
        throw invalid("failed to validate " + kind + " \"" + key + "\": restricted system domain: \"" + key
            + "\" is not allowed in AdditionalPodMetadata");
      }
    }
  }

  private static ReconcileFailure invalid(String detail) {
    return ReconcileFailure.permanent(REASON_INVALID_METADATA, "invalid additionalPodMetadata: " + detail);
  }

  /**
   * C15: adds the claim's environment variables to the pod spec, in place, as far as the
   * template's injection policy allows.
   *
   * @throws ReconcileFailure if the policy forbids it or a target container does not exist
   */
  static void injectEnv(PodSpec spec, List<ClaimEnvVar> env, SandboxTemplateSpec template) {
    if (env == null || env.isEmpty()) {
      return;
    }
    String policy = template.envVarsInjectionPolicy();
    boolean overrides = SandboxTemplateSpec.ENV_OVERRIDES.equals(policy);
    if (!overrides && !SandboxTemplateSpec.ENV_ALLOWED.equals(policy)) {
      throw new ReconcileFailure("environment variable injection is not allowed by the template policy");
    }
    for (ClaimEnvVar variable : env) {
      Container target = targetContainer(spec, variable);
      List<EnvVar> vars = target.getEnv() == null ? new ArrayList<>() : new ArrayList<>(target.getEnv());
      EnvVar plain = new EnvVar(variable.name(), variable.value(), null);
      int existing = -1;
      for (int i = 0; i < vars.size(); i++) {
        if (variable.name().equals(vars.get(i).getName())) {
          existing = i;
          break;
        }
      }
      if (existing < 0) {
        vars.add(plain);
      } else if (overrides) {
        vars.set(existing, plain);
      } else {
        throw new ReconcileFailure("environment variable override is not allowed by the template policy for variable \""
            + variable.name() + "\"");
      }
      target.setEnv(vars);
    }
  }

  private static Container targetContainer(PodSpec spec, ClaimEnvVar variable) {
    String name = variable.containerName();
    if (name == null || name.isEmpty()) {
      if (spec.getContainers() == null || spec.getContainers().isEmpty()) {
        throw new ReconcileFailure("target container \"\" not found in template for environment variable \""
            + variable.name() + "\"");
      }
      return spec.getContainers().get(0);
    }
    List<Container> candidates = new ArrayList<>();
    if (spec.getInitContainers() != null) {
      candidates.addAll(spec.getInitContainers());
    }
    if (spec.getContainers() != null) {
      candidates.addAll(spec.getContainers());
    }
    return candidates.stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> new ReconcileFailure("target container \"" + name
            + "\" not found in template for environment variable \"" + variable.name() + "\""));
  }

  /**
   * X4: no service account token unless asked for; and, when the template relies on the default
   * managed network policy (which blocks cluster DNS), public resolvers unless a DNS policy is set.
   */
  static void applySecureDefaults(PodSpec spec, SandboxTemplateSpec template) {
    if (spec.getAutomountServiceAccountToken() == null) {
      spec.setAutomountServiceAccountToken(false);
    }
    if (TemplateNetworkPolicies.managed(template) && template.networkPolicy() == null
        && (spec.getDnsPolicy() == null || spec.getDnsPolicy().isEmpty())) {
      spec.setDnsPolicy("None");
      PodDNSConfig dns = spec.getDnsConfig() == null ? new PodDNSConfig() : spec.getDnsConfig();
      dns.setNameservers(new ArrayList<>(PUBLIC_DNS));
      spec.setDnsConfig(dns);
    }
  }

  /**
   * The spec of a Sandbox made from a template for a claim or a pool: {@code podTemplate}, the
   * template's service flag and copies of its volume claim templates, one replica. The claim's
   * lifecycle is never copied (C5, W3).
   */
  static SandboxSpec sandboxSpec(PodTemplateSpec podTemplate, SandboxTemplateSpec templateSpec) {
    SandboxSpec spec = new SandboxSpec();
    spec.setPodTemplate(podTemplate);
    spec.setService(templateSpec.service());
    List<PersistentVolumeClaimTemplate> vcts = templateSpec.volumeClaimTemplates();
    if (vcts != null) {
      List<PersistentVolumeClaimTemplate> copies = new ArrayList<>();
      vcts.forEach(v -> copies.add(Serialization.clone(v)));
      spec.setVolumeClaimTemplates(copies);
    }
    spec.setReplicas(1);
    return spec;
  }
}
