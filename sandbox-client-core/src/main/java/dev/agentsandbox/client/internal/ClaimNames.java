package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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

  /** The v1alpha1 claim for a template, with the client's label and request-time annotation. */
  public static SandboxClaim newClaim(String name, String namespace, String templateName,
      Map<String, String> userLabels, Instant requestedAt) {
    SandboxOptions options = SandboxOptions.builder().templateName(templateName)
        .labels(userLabels).build();
    return new ClaimApi.V1alpha1(null).newClaim(
        new ClaimRequest(name, namespace, options, requestedAt, null));
  }

  static String rfc3339(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }
}
