package dev.agentsandbox.client;

import dev.agentsandbox.client.internal.Timeouts;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.KubernetesNames;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What to ask for when {@link SandboxFleet#create(SandboxOptions) creating} a sandbox: the
 * template or warm pool, the claim's labels, metadata and environment for the pod, a time to
 * live, volumes and how long to wait. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * SandboxOptions options = SandboxOptions.builder()
 *     .templateName("python-runtime-template")
 *     .warmPool(WarmPool.none())
 *     .labels(Map.of("agent", "planner"))
 *     .env("TASK_ID", "42")
 *     .ttl(Duration.ofHours(2))
 *     .build();
 * }</pre>
 *
 * <p>Every builder method checks its argument at once and throws
 * {@link IllegalArgumentException} with what is wrong, so a bad value never reaches the
 * cluster. The values that depend on the claim API version (a template is required on
 * v1alpha1, a named warm pool on v1beta1, volume claim templates only on v1beta1) are checked by
 * {@link SandboxFleet#create(SandboxOptions)}, still before anything is created.
 *
 * @since 0.1.0
 */
public final class SandboxOptions {
  private final String templateName;
  private final WarmPool warmPool;
  private final String namespace;
  private final Map<String, String> labels;
  private final Map<String, String> podLabels;
  private final Map<String, String> podAnnotations;
  private final List<EnvVar> env;
  private final Duration ttl;
  private final List<PersistentVolumeClaimTemplate> volumeClaimTemplates;
  private final Duration readyTimeout;
  private final Runtime runtime;

  private SandboxOptions(Builder b) {
    this.templateName = b.templateName;
    this.warmPool = b.warmPool;
    this.namespace = b.namespace;
    this.labels = Map.copyOf(b.labels);
    this.podLabels = Map.copyOf(b.podLabels);
    this.podAnnotations = Map.copyOf(b.podAnnotations);
    this.env = List.copyOf(b.env);
    this.ttl = b.ttl;
    this.volumeClaimTemplates = List.copyOf(b.volumeClaimTemplates);
    this.readyTimeout = b.readyTimeout;
    this.runtime = b.runtime;
  }

  /**
   * Starts building options.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding these options, to derive others from them.
   *
   * @return a new builder with every option of these
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.templateName = templateName;
    b.warmPool = warmPool;
    b.namespace = namespace;
    b.labels.putAll(labels);
    b.podLabels.putAll(podLabels);
    b.podAnnotations.putAll(podAnnotations);
    b.env.addAll(env);
    b.ttl = ttl;
    b.volumeClaimTemplates.addAll(volumeClaimTemplates);
    b.readyTimeout = readyTimeout;
    b.runtime = runtime;
    return b;
  }

  /**
   * Options with only a template: a sandbox like the tutorial's.
   *
   * @param templateName the SandboxTemplate, a DNS-1123 subdomain
   * @return the options
   * @throws IllegalArgumentException if the name is invalid
   */
  public static SandboxOptions ofTemplate(String templateName) {
    return builder().templateName(templateName).build();
  }

  /**
   * The SandboxTemplate to make the sandbox from.
   *
   * @return the template name; empty when only a warm pool is named (v1beta1)
   */
  public Optional<String> templateName() {
    return Optional.ofNullable(templateName);
  }

  /**
   * The warm pool policy.
   *
   * @return the policy; empty leaves it to the controller (any pool of the template)
   */
  public Optional<WarmPool> warmPool() {
    return Optional.ofNullable(warmPool);
  }

  /**
   * The namespace of the claim.
   *
   * @return the namespace; empty means the fleet's default namespace
   */
  public Optional<String> namespace() {
    return Optional.ofNullable(namespace);
  }

  /**
   * Labels of the claim, besides {@code agents.x-k8s.io/created-by}.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> labels() {
    return labels;
  }

  /**
   * Labels the controller puts on the sandbox's pod ({@code spec.additionalPodMetadata}).
   *
   * @return an unmodifiable map
   */
  public Map<String, String> podLabels() {
    return podLabels;
  }

  /**
   * Annotations the controller puts on the sandbox's pod ({@code spec.additionalPodMetadata}).
   *
   * @return an unmodifiable map
   */
  public Map<String, String> podAnnotations() {
    return podAnnotations;
  }

  /**
   * Environment variables for the sandbox's containers ({@code spec.env}).
   *
   * @return an unmodifiable list, in the order given
   */
  public List<EnvVar> env() {
    return env;
  }

  /**
   * How long the claim may live before the controller deletes it.
   *
   * @return the time to live; empty means until deleted
   */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /**
   * PersistentVolumeClaims to create for the sandbox (v1beta1 claims only).
   *
   * @return an unmodifiable list of copies; change them freely
   */
  public List<PersistentVolumeClaimTemplate> volumeClaimTemplates() {
    return volumeClaimTemplates.stream()
        .map(t -> new PersistentVolumeClaimTemplateBuilder(t).build()).toList();
  }

  /**
   * How long creation waits for the sandbox to become ready.
   *
   * @return the timeout; empty means the fleet's default
   */
  public Optional<Duration> readyTimeout() {
    return Optional.ofNullable(readyTimeout);
  }

  /**
   * Which runtime the sandbox's pod serves, and so how commands and files reach it.
   *
   * @return the runtime; {@link Runtime#AUTO} (the default) reads it off the pod template
   */
  public Runtime runtime() {
    return runtime;
  }

  @Override
  public String toString() {
    // Environment values may be secrets: only their names are shown.
    return "SandboxOptions[template=" + templateName + ", warmPool=" + warmPool
        + ", namespace=" + namespace + ", labels=" + labels + ", env="
        + env.stream().map(EnvVar::name).toList() + ", ttl=" + ttl + ", runtime=" + runtime + "]";
  }

  /**
   * An environment variable for the sandbox.
   *
   * @param name the variable's name
   * @param value its value
   * @param containerName the container to set it in; null means the first container
   * @since 0.1.0
   */
  public record EnvVar(String name, String value, @Nullable String containerName) {
    /**
     * Creates a variable.
     *
     * @param name the name
     * @param value the value
     * @param containerName the container, or null for the first container
     * @throws IllegalArgumentException if the name is not a valid variable name or the
     *     container name not a DNS-1123 label
     * @throws NullPointerException if the name or value is null
     */
    public EnvVar {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      KubernetesNames.requireEnvVarName(name);
      if (containerName != null) {
        KubernetesNames.requireLabel("containerName", containerName);
      }
    }

    @Override
    public String toString() {
      return "EnvVar[" + name + (containerName == null ? "" : " in " + containerName) + "]";
    }
  }

  /**
   * Builds {@link SandboxOptions}. Every method validates its argument at once. Not
   * thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private String templateName;
    private WarmPool warmPool;
    private String namespace;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final Map<String, String> podLabels = new LinkedHashMap<>();
    private final Map<String, String> podAnnotations = new LinkedHashMap<>();
    private final List<EnvVar> env = new ArrayList<>();
    private Duration ttl;
    private final List<PersistentVolumeClaimTemplate> volumeClaimTemplates = new ArrayList<>();
    private Duration readyTimeout;
    private Runtime runtime = Runtime.AUTO;

    private Builder() {
    }

    /**
     * The SandboxTemplate to make the sandbox from. A v1beta1 claim reaches its template
     * through the named warm pool; for a v1alpha1 claim without one, the client reads the
     * template off the named SandboxWarmPool (and fails with {@link IllegalArgumentException} if
     * there is no such pool).
     *
     * @param templateName a DNS-1123 subdomain, e.g. {@code python-runtime-template}
     * @return this builder
     * @throws IllegalArgumentException if not a valid name
     */
    public Builder templateName(String templateName) {
      Objects.requireNonNull(templateName, "templateName");
      KubernetesNames.requireSubdomain("templateName", templateName);
      this.templateName = templateName;
      return this;
    }

    /**
     * Where the sandbox may come from. Unset leaves it to the controller, which then adopts
     * from any warm pool of the template ({@link WarmPool#any()}), except with environment
     * variables on v1alpha1, where {@link WarmPool#none()} is sent because the controller
     * refuses variables for adopted sandboxes.
     *
     * @param warmPool the policy
     * @return this builder
     */
    public Builder warmPool(WarmPool warmPool) {
      this.warmPool = Objects.requireNonNull(warmPool, "warmPool");
      return this;
    }

    /**
     * The namespace to create the claim in; the template (or pool) must be there. Default: the
     * fleet's namespace.
     *
     * @param namespace a DNS-1123 label
     * @return this builder
     * @throws IllegalArgumentException if not a valid namespace name
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      KubernetesNames.requireLabel("namespace", namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * Labels of the claim, replacing any set before; {@link SandboxFleet#list(Map)} finds claims
     * by them. The client adds {@code agents.x-k8s.io/created-by: java-client}.
     *
     * @param labels valid Kubernetes label keys and values; copied
     * @return this builder
     * @throws IllegalArgumentException if a key or value is invalid or the key is
     *     {@code agents.x-k8s.io/created-by}
     */
    public Builder labels(Map<String, String> labels) {
      Map<String, String> copy = new LinkedHashMap<>(Objects.requireNonNull(labels, "labels"));
      KubernetesNames.requireLabels(copy);
      if (copy.containsKey(SandboxKeys.CREATED_BY)) {
        throw new IllegalArgumentException("label " + SandboxKeys.CREATED_BY
            + " is set by the client and cannot be overridden");
      }
      this.labels.clear();
      this.labels.putAll(copy);
      return this;
    }

    /**
     * Labels for the sandbox's pod, replacing any set before. Keys in the
     * {@code kubernetes.io}, {@code k8s.io} and {@code agents.x-k8s.io} domains are refused,
     * as the controller would refuse the claim. Needs controller v0.4 or later; older ones
     * ignore it.
     *
     * @param labels valid Kubernetes label keys and values; copied
     * @return this builder
     * @throws IllegalArgumentException if a key or value is invalid or in a restricted domain
     */
    public Builder podLabels(Map<String, String> labels) {
      Map<String, String> copy = new LinkedHashMap<>(Objects.requireNonNull(labels, "podLabels"));
      KubernetesNames.requireLabels(copy);
      requireUnrestricted("pod label", copy);
      this.podLabels.clear();
      this.podLabels.putAll(copy);
      return this;
    }

    /**
     * Annotations for the sandbox's pod, replacing any set before. Keys are checked like
     * {@link #podLabels(Map)}; values may be any text.
     *
     * @param annotations valid annotation keys, non-null values; copied
     * @return this builder
     * @throws IllegalArgumentException if a key is invalid or in a restricted domain, or the
     *     annotations exceed 256 KiB
     */
    public Builder podAnnotations(Map<String, String> annotations) {
      Map<String, String> copy =
          new LinkedHashMap<>(Objects.requireNonNull(annotations, "podAnnotations"));
      KubernetesNames.requireAnnotations(copy);
      requireUnrestricted("pod annotation", copy);
      this.podAnnotations.clear();
      this.podAnnotations.putAll(copy);
      return this;
    }

    /**
     * Adds an environment variable for the sandbox's first container. The template must allow
     * injection ({@code envVarsInjectionPolicy: Allowed} or {@code Overrides}); otherwise
     * creation fails with {@link ClaimFailedException} reason
     * {@code EnvVarsInjectionRejected}. Needs controller v0.4 or later. Values are never
     * logged.
     *
     * @param name letters, digits, {@code _}, {@code -} or {@code .}, not starting with a digit
     * @param value any text
     * @return this builder
     * @throws IllegalArgumentException if the name is invalid or already added
     */
    public Builder env(String name, String value) {
      return addEnv(new EnvVar(name, value, null));
    }

    /**
     * Adds an environment variable for a named container (or init container) of the sandbox.
     * See {@link #env(String, String)}.
     *
     * @param containerName the container, a DNS-1123 label
     * @param name the variable's name
     * @param value any text
     * @return this builder
     * @throws IllegalArgumentException if a name is invalid or the variable already added
     */
    public Builder containerEnv(String containerName, String name, String value) {
      Objects.requireNonNull(containerName, "containerName");
      return addEnv(new EnvVar(name, value, containerName));
    }

    private Builder addEnv(EnvVar var) {
      for (EnvVar existing : env) {
        if (existing.name().equals(var.name())
            && Objects.equals(existing.containerName(), var.containerName())) {
          throw new IllegalArgumentException("environment variable '" + var.name()
              + "' is already set"
              + (var.containerName() == null ? "" : " for container " + var.containerName()));
        }
      }
      env.add(var);
      return this;
    }

    /**
     * A time to live: the claim gets {@code lifecycle.shutdownTime} = creation time + ttl and
     * {@code shutdownPolicy: Delete}, so the controller deletes it even if this process dies.
     * This is the backstop for a JVM that is killed (SIGKILL, the OOM killer, a crash), which
     * runs neither {@code close()} nor a shutdown hook. Needs controller v0.1.1 or later.
     *
     * @param ttl positive
     * @return this builder
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isZero() || ttl.isNegative()) {
        throw new IllegalArgumentException("ttl must be positive, got " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Adds a PersistentVolumeClaim template: the controller creates a PVC
     * {@code <name>-<sandbox>} and mounts it as volume {@code <name>}. Only v1beta1 claims can
     * carry them; on a cluster or fleet limited to v1alpha1, creation fails with
     * {@link IllegalArgumentException}.
     *
     * @param template with {@code metadata.name} (a DNS-1123 label) and a {@code spec}; copied
     * @return this builder
     * @throws IllegalArgumentException if the name, labels or annotations are invalid, the
     *     spec is missing or the name is used twice
     */
    public Builder volumeClaimTemplate(PersistentVolumeClaimTemplate template) {
      Objects.requireNonNull(template, "template");
      PersistentVolumeClaimTemplate copy = new PersistentVolumeClaimTemplateBuilder(template).build();
      String name = copy.getMetadata() == null ? null : copy.getMetadata().getName();
      if (name == null) {
        throw new IllegalArgumentException("volume claim template needs metadata.name");
      }
      KubernetesNames.requireLabel("volume claim template name", name);
      if (copy.getSpec() == null) {
        throw new IllegalArgumentException("volume claim template '" + name + "' needs a spec");
      }
      if (copy.getMetadata().getLabels() != null) {
        KubernetesNames.requireLabels(copy.getMetadata().getLabels());
      }
      if (copy.getMetadata().getAnnotations() != null) {
        KubernetesNames.requireAnnotations(copy.getMetadata().getAnnotations());
      }
      for (PersistentVolumeClaimTemplate existing : volumeClaimTemplates) {
        if (existing.getMetadata().getName().equals(name)) {
          throw new IllegalArgumentException("volume claim template '" + name + "' is already added");
        }
      }
      volumeClaimTemplates.add(copy);
      return this;
    }

    /**
     * How long {@link SandboxFleet#create(SandboxOptions)} waits for the sandbox to become
     * ready, from the start of the call. Default: the fleet's (180 s unless configured).
     *
     * @param readyTimeout positive, at most 24 hours
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder readyTimeout(Duration readyTimeout) {
      this.readyTimeout = Timeouts.require("readyTimeout", readyTimeout);
      return this;
    }

    /**
     * Sets the runtime the sandbox's pod serves: {@link Runtime#LEGACY} (the tutorial's runtime
     * behind the router), {@link Runtime#SANDBOXD}, or {@link Runtime#AUTO} (the default) to read
     * it off the sandbox's pod template once it is ready.
     *
     * @param runtime the runtime
     * @return this builder
     */
    public Builder runtime(Runtime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return immutable options
     * @throws IllegalStateException if neither a template nor a named warm pool was given
     */
    public SandboxOptions build() {
      if (templateName == null && (warmPool == null || warmPool.name().isEmpty())) {
        throw new IllegalStateException("templateName is required: the SandboxTemplate to make "
            + "the sandbox from (or, for v1beta1 claims, a WarmPool.named pool)");
      }
      return new SandboxOptions(this);
    }

    private static void requireUnrestricted(String kind, Map<String, String> entries) {
      for (String key : entries.keySet()) {
        if (KubernetesNames.isRestrictedDomain(key)) {
          throw new IllegalArgumentException(kind + " '" + key + "' is in a restricted domain "
              + "(kubernetes.io, k8s.io, agents.x-k8s.io): the controller refuses it for pods; "
              + "use a domain of your own");
        }
      }
    }
  }
}
