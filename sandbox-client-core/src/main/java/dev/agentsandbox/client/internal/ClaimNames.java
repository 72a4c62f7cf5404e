package dev.agentsandbox.client.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/** Names and content of the SandboxClaims this client creates (PROTOCOL section 2). */
public final class ClaimNames {
  /** Prefix of generated claim names, as the reference clients use. */
  public static final String PREFIX = "sandbox-claim-";
  /** Value of the {@code created-by} label identifying this client. */
  public static final String CLIENT_ID = "java-client";

  private ClaimNames() {
  }

  /** A fresh claim name: the prefix and eight random lowercase hex digits. */
  public static String generate(RandomGenerator random) {
    return PREFIX + String.format("%08x", random.nextInt());
  }

  /** The claim to create, with the client's label and request-time annotation. */
  public static SandboxClaim newClaim(String name, String namespace, String templateName,
      Map<String, String> userLabels, Instant requestedAt) {
    Map<String, String> labels = new LinkedHashMap<>(userLabels);
    labels.put(SandboxKeys.CREATED_BY, CLIENT_ID);
    SandboxClaim claim = new SandboxClaim();
    claim.setMetadata(new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .addToAnnotations(SandboxKeys.CLIENT_FIRST_REQUESTED_AT, rfc3339(requestedAt))
        .build());
    SandboxClaimSpec spec = new SandboxClaimSpec();
    spec.setSandboxTemplateRef(new TemplateRef(templateName));
    claim.setSpec(spec);
    return claim;
  }

  static String rfc3339(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }
}
