package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@link ControllerMetrics} recorded in a Micrometer registry, under the reference controller's names. */
public final class MicrometerControllerMetrics implements ControllerMetrics {
  static final String SANDBOXES = "agent.sandboxes";
  static final String CLAIM_CREATION = "agent.sandbox.claim.creation";
  static final String CLAIM_STARTUP_LATENCY = "agent.sandbox.claim.startup.latency.ms";
  static final String CLAIM_CONTROLLER_STARTUP_LATENCY = "agent.sandbox.claim.controller.startup.latency.ms";
  static final String SANDBOX_CREATION_LATENCY = "agent.sandbox.creation.latency.ms";
  static final String BUILD_INFO = "agent.sandbox.build.info";

  private static final String WARM = "warm";
  private static final String COLD = "cold";
  private static final double[] LATENCY_BUCKETS_MS = {
      50, 100, 250, 500, 750, 1000, 1500, 2000, 2500, 5000, 10000, 30000, 60000, 120000, 240000, 600000};
  // One scrape reads every agent_sandboxes series; count the cache once for all of them.
  private static final long COUNT_REUSE_NANOS = Duration.ofSeconds(1).toNanos();

  private final MeterRegistry registry;
  private final Map<Tags, Gauge> sandboxGauges = new ConcurrentHashMap<>();
  private volatile Supplier<Stream<Sandbox>> sandboxes = Stream::empty;
  private volatile Counts counts;

  private record Counts(Map<Tags, Long> byTags, long takenAtNanos) {
  }

  /**
   * Registers {@code agent_sandbox_build_info} and records the other metrics as they happen.
   *
   * @param registry the registry to record in; stays the caller's
   * @param version the controller version reported in {@code agent_sandbox_build_info}
   */
  public MicrometerControllerMetrics(MeterRegistry registry, String version) {
    this.registry = Objects.requireNonNull(registry, "registry");
    Gauge.builder(BUILD_INFO, () -> 1)
        .description("Agent sandbox controller build metadata exposed as labels with a constant value of 1.")
        .tags("git_version", Objects.requireNonNullElse(version, "unknown"),
            "java_version", System.getProperty("java.version", "unknown"),
            "platform", System.getProperty("os.name", "unknown") + "/" + System.getProperty("os.arch", "unknown"))
        .register(registry);
  }

  @Override
  public void countSandboxes(Supplier<Stream<Sandbox>> sandboxes) {
    this.sandboxes = Objects.requireNonNull(sandboxes, "sandboxes");
  }

  @Override
  public void sandboxStatus(Sandbox sandbox, SandboxStatus next) {
    boolean ready = isTrue(ready(next == null ? null : next.conditions()));
    ensureSandboxGauge(sandboxTags(sandbox, next));
    if (ready && !isTrue(ready(sandbox.getStatus() == null ? null : sandbox.getStatus().conditions()))) {
      since(sandbox).ifPresent(latency -> latency(SANDBOX_CREATION_LATENCY,
          "Latency from Sandbox creation to Pod Ready state in milliseconds.",
          Tags.of("namespace", sandbox.getMetadata().getNamespace(), "launch_type", launchType(sandbox),
              "sandbox_template", template(sandbox)))
          .record(latency.toMillis()));
    }
  }

  @Override
  public void claimSandboxCreated(SandboxClaim claim, Sandbox sandbox) {
    Counter.builder(CLAIM_CREATION)
        .description("Total number of SandboxClaims created, labeled by namespace, sandbox template, launch type, "
            + "warmpool name, and pod condition.")
        .tags("namespace", claim.getMetadata().getNamespace(), "sandbox_template", claimTemplate(claim),
            "launch_type", launchType(sandbox), "warmpool_name", warmPool(sandbox),
            "pod_condition", isTrue(ready(sandbox.getStatus() == null ? null : sandbox.getStatus().conditions()))
                ? "ready" : "not_ready")
        .register(registry)
        .increment();
  }

  @Override
  public void claimStatus(SandboxClaim claim, SandboxClaimStatus next) {
    if (!isTrue(ready(next == null ? null : next.conditions()))
        || isTrue(ready(claim.getStatus() == null ? null : claim.getStatus().conditions()))) {
      return;
    }
    Map<String, String> labels = claim.getMetadata().getLabels();
    String launchType = labels != null && labels.containsKey(SandboxKeys.SANDBOX_NAME) ? WARM : COLD;
    Tags tags = Tags.of("launch_type", launchType, "sandbox_template", claimTemplate(claim));
    Instant now = Instant.now();
    since(claim).ifPresent(latency -> latency(CLAIM_STARTUP_LATENCY,
        "End-to-end latency from SandboxClaim creation to Sandbox Ready state in milliseconds.", tags)
        .record(latency.toMillis()));
    Map<String, String> annotations = claim.getMetadata().getAnnotations();
    parse(annotations == null ? null : annotations.get(SandboxKeys.CONTROLLER_FIRST_OBSERVED_AT))
        .map(observed -> Duration.between(observed, now))
        .filter(d -> !d.isNegative())
        .ifPresent(latency -> latency(CLAIM_CONTROLLER_STARTUP_LATENCY,
            "Latency from controller first observed SandboxClaim to Sandbox Ready state in milliseconds.", tags)
            .record(latency.toMillis()));
  }

  private DistributionSummary latency(String name, String description, Tags tags) {
    return DistributionSummary.builder(name)
        .description(description)
        .tags(tags)
        .serviceLevelObjectives(LATENCY_BUCKETS_MS)
        .register(registry);
  }

  private void ensureSandboxGauge(Tags tags) {
    sandboxGauges.computeIfAbsent(tags, t -> Gauge.builder(SANDBOXES, () -> sandboxCounts().getOrDefault(t, 0L))
        .description("Monitor the point-in-time number of sandboxes in the cluster.")
        .tags(t)
        .register(registry));
  }

  private Map<Tags, Long> sandboxCounts() {
    Counts current = counts;
    long now = System.nanoTime();
    if (current != null && now - current.takenAtNanos() < COUNT_REUSE_NANOS) {
      return current.byTags();
    }
    Map<Tags, Long> byTags = sandboxes.get()
        .collect(Collectors.groupingBy(s -> sandboxTags(s, s.getStatus()), Collectors.counting()));
    counts = new Counts(byTags, now);
    byTags.keySet().forEach(this::ensureSandboxGauge);
    return byTags;
  }

  private static Tags sandboxTags(Sandbox sandbox, SandboxStatus status) {
    Condition ready = ready(status == null ? null : status.conditions());
    String owner = controller(sandbox).map(OwnerReference::getKind)
        .filter(k -> k.equals("SandboxClaim") || k.equals("SandboxWarmPool"))
        .orElse("None");
    return Tags.of(
        "namespace", sandbox.getMetadata().getNamespace(),
        "ready_condition", String.valueOf(isTrue(ready)),
        "expired", String.valueOf(ready != null && "SandboxExpired".equals(ready.getReason())),
        "launch_type", launchType(sandbox),
        "sandbox_template", template(sandbox),
        "owned_by", owner);
  }

  /** Warm when the Sandbox came out of a pool: still in one, or adopted by a claim of another name. */
  private static String launchType(Sandbox sandbox) {
    Optional<OwnerReference> controller = controller(sandbox);
    if (controller.map(r -> r.getKind().equals("SandboxWarmPool")).orElse(false)) {
      return WARM;
    }
    boolean adopted = controller.map(r -> r.getKind().equals("SandboxClaim")
        && !r.getName().equals(sandbox.getMetadata().getName())).orElse(false);
    Map<String, String> labels = sandbox.getMetadata().getLabels();
    return adopted || labels != null && labels.containsKey(SandboxKeys.WARM_POOL_SANDBOX) ? WARM : COLD;
  }

  private static String warmPool(Sandbox sandbox) {
    return controller(sandbox).filter(r -> r.getKind().equals("SandboxWarmPool"))
        .map(OwnerReference::getName)
        .orElse("none");
  }

  private static String template(Sandbox sandbox) {
    Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
    String template = annotations == null ? null : annotations.get(SandboxKeys.TEMPLATE_REF);
    return template == null || template.isEmpty() ? "unknown" : template;
  }

  private static String claimTemplate(SandboxClaim claim) {
    return claim.getSpec() == null || claim.getSpec().sandboxTemplateRef() == null
        || claim.getSpec().sandboxTemplateRef().name() == null
        ? "unknown"
        : claim.getSpec().sandboxTemplateRef().name();
  }

  private static Optional<OwnerReference> controller(HasMetadata resource) {
    List<OwnerReference> refs = resource.getMetadata().getOwnerReferences();
    return refs == null ? Optional.empty() : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }

  private static Condition ready(List<Condition> conditions) {
    return conditions == null ? null : conditions.stream()
        .filter(c -> SandboxKeys.CONDITION_READY.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static boolean isTrue(Condition condition) {
    return condition != null && "True".equals(condition.getStatus());
  }

  private static Optional<Duration> since(HasMetadata resource) {
    return parse(resource.getMetadata().getCreationTimestamp())
        .map(created -> Duration.between(created, Instant.now()))
        .filter(d -> !d.isNegative());
  }

  private static Optional<Instant> parse(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(timestamp));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
