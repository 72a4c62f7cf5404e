package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ApiVersion;
import dev.agentsandbox.client.ClaimFailedException;
import dev.agentsandbox.client.ClaimNotFoundException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxGoneException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxState;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.client.WarmPool;
import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaimSpec;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, finds, reads and deletes the claims of one fleet, at the API version the options and
 * the cluster call for (PROTOCOL section 2), and connects to their sandboxes. Thread-safe.
 */
public final class SandboxProvisioner {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxProvisioner.class);
  private static final int CREATE_ATTEMPTS = 3;

  private final KubernetesClient kubernetes;
  private final ApiVersion apiVersion;
  private final ApiDiscovery discovery;
  private final SandboxConnector connector;
  private final Telemetry telemetry;
  private final Clock clock;
  private final RandomGenerator random;
  private final ClaimApi.V1alpha1 v1alpha1;
  private final ClaimApi.V1beta1 v1beta1;
  private final ClaimRestartWatch restarts = new ClaimRestartWatch();

  /**
   * @param apiVersion the claim version to use, or AUTO to ask the cluster
   * @param random source of claim names; null for a thread-local one
   */
  public SandboxProvisioner(KubernetesClient kubernetes, ApiVersion apiVersion,
      SandboxConnector connector, Telemetry telemetry, Clock clock, RandomGenerator random) {
    this.kubernetes = kubernetes;
    this.apiVersion = apiVersion;
    this.discovery = new ApiDiscovery(kubernetes);
    this.connector = connector;
    this.telemetry = telemetry;
    this.clock = clock;
    this.random = random;
    this.v1alpha1 = new ClaimApi.V1alpha1(kubernetes);
    this.v1beta1 = new ClaimApi.V1beta1(kubernetes);
  }

  Telemetry telemetry() {
    return telemetry;
  }

  /**
   * Creates a claim, waits until it is ready and connects to its sandbox. On any failure after
   * the claim was created, including interruption, the claim is deleted before the exception
   * leaves.
   *
   * @param onEnd told when the returned handle is terminated or disconnected
   * @throws IllegalArgumentException if the options do not fit the claim version; nothing is
   *     created then
   */
  public SandboxHandle create(SandboxOptions options, String namespace, Duration readyTimeout,
      Consumer<SandboxHandle> onEnd) {
    long startNanos = System.nanoTime();
    return createWith(claimApiFor(options), options, namespace, readyTimeout, startNanos, onEnd);
  }

  private <T extends CustomResource<?, SandboxClaimStatus>> SandboxHandle createWith(
      ClaimApi<T> api, SandboxOptions options, String namespace, Duration readyTimeout,
      long startNanos, Consumer<SandboxHandle> onEnd) {
    long deadline = startNanos + readyTimeout.toNanos();
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put(Telemetry.NAMESPACE, namespace);
    options.templateName().ifPresent(t -> attributes.put(Telemetry.TEMPLATE, t));
    attributes.put(Telemetry.API_VERSION, api.version().name().toLowerCase(java.util.Locale.ROOT));
    String claimName = null;
    try (Telemetry.Observation root = telemetry.start("sandbox.create", attributes)) {
      try {
        String traceContext = root.traceContext().orElse(null);
        T created = telemetry.observe("sandbox.claim.create", attributes,
            o -> createClaim(api, options, namespace, traceContext));
        claimName = created.getMetadata().getName();
        root.attribute(Telemetry.CLAIM, claimName);
        attributes.put(Telemetry.CLAIM, claimName);
        LOG.info("Created SandboxClaim {}/{} ({}) from {}", namespace, claimName,
            api.version().name().toLowerCase(java.util.Locale.ROOT), describe(options));
        SandboxHandle handle = awaitAndConnect(api, created, deadline, readyTimeout, attributes,
            true, onEnd);
        LOG.info("SandboxClaim {}/{} ready in {} ms: sandbox {}", namespace, claimName,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), handle.sandboxName());
        root.attribute(Telemetry.SANDBOX, handle.sandboxName());
        return handle;
      } catch (InterruptedException e) {
        root.failed(e);
        if (claimName != null) {
          abandon(api, namespace, claimName);
        }
        Thread.currentThread().interrupt();
        throw new SandboxInterruptedException("Interrupted while waiting for SandboxClaim '"
            + claimName + "' in namespace '" + namespace + "'; the claim was deleted", claimName,
            namespace, e);
      } catch (RuntimeException | Error e) {
        root.failed(e);
        if (claimName != null) {
          abandon(api, namespace, claimName);
        }
        throw e;
      }
    }
  }

  /**
   * Finds an existing claim, waits until it is ready and connects to its sandbox. Nothing is
   * deleted on failure: the claim is not this client's.
   *
   * @throws ClaimNotFoundException if there is no such claim
   */
  public SandboxHandle attach(String namespace, String claimName, Duration readyTimeout,
      Consumer<SandboxHandle> onEnd) {
    long deadline = System.nanoTime() + readyTimeout.toNanos();
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put(Telemetry.NAMESPACE, namespace);
    attributes.put(Telemetry.CLAIM, claimName);
    try {
      return telemetry.observe("sandbox.attach", attributes, o -> {
        for (ClaimApi<?> api : readableApis()) {
          SandboxHandle handle = attachWith(api, namespace, claimName, deadline, readyTimeout,
              attributes, onEnd);
          if (handle != null) {
            LOG.info("Attached to SandboxClaim {}/{}: sandbox {}", namespace, claimName,
                handle.sandboxName());
            return handle;
          }
        }
        throw new ClaimNotFoundException(claimName, namespace);
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxInterruptedException("Interrupted while attaching to SandboxClaim '"
          + claimName + "' in namespace '" + namespace + "'; the claim is untouched", claimName,
          namespace, e);
    }
  }

  private <T extends CustomResource<?, SandboxClaimStatus>> SandboxHandle attachWith(
      ClaimApi<T> api, String namespace, String claimName, long deadline, Duration readyTimeout,
      Map<String, String> attributes, Consumer<SandboxHandle> onEnd) throws InterruptedException {
    T claim;
    try {
      claim = api.in(namespace).withName(claimName).get();
    } catch (KubernetesClientException e) {
      throw new SandboxException("Cannot read SandboxClaim '" + claimName + "' in namespace '"
          + namespace + "' (HTTP " + e.getCode() + "): " + e.getMessage(), claimName, namespace, e);
    }
    if (claim == null) {
      return null;
    }
    return awaitAndConnect(api, claim, deadline, readyTimeout, attributes, false, onEnd);
  }

  private <T extends CustomResource<?, SandboxClaimStatus>> SandboxHandle awaitAndConnect(
      ClaimApi<T> api, T claim, long deadline, Duration readyTimeout,
      Map<String, String> attributes, boolean created, Consumer<SandboxHandle> onEnd)
      throws InterruptedException {
    String namespace = claim.getMetadata().getNamespace();
    String claimName = claim.getMetadata().getName();
    T ready = telemetry.observe("sandbox.claim.wait", attributes,
        o -> api.watcher(claim).awaitReadyClaim(claim.getMetadata().getResourceVersion(),
            deadline, readyTimeout));
    String sandboxName = ((ClaimReadiness.Ready) ClaimReadiness.of(ready, ready.getStatus()))
        .sandboxName();
    SandboxRef ref = new SandboxRef(claimName, namespace, sandboxName);
    Map<String, String> connected = new LinkedHashMap<>(attributes);
    connected.put(Telemetry.SANDBOX, sandboxName);
    // Watching starts at the ready state, so a pod replaced while connecting is noticed too.
    ClaimRestartWatch.Registration watching = restarts.register(api, ready, ref);
    try {
      watching.awaitStarted(deadline);
      RuntimeHttpApi http = telemetry.observe("sandbox.connect", connected,
          o -> connector.connect(ref));
      LOG.debug("Connected to sandbox {} via {}", sandboxName, connector.describe());
      return new SandboxHandle(this, api, ref, api.templateName(claim).orElse(null), http,
          created, watching, onEnd);
    } catch (InterruptedException | RuntimeException | Error e) {
      watching.close();
      throw e;
    }
  }

  /** Stops watching the claims of ready sandboxes; for the fleet's close. */
  public void close() {
    restarts.close();
  }

  /** The claim watch, for tests. */
  public ClaimRestartWatch restartWatch() {
    return restarts;
  }

  /**
   * The claims of a namespace that carry all of {@code labels}, at every version this client
   * reads (a claim served at two versions is listed once).
   */
  public List<SandboxSummary> list(String namespace, Map<String, String> labels) {
    Map<String, SandboxSummary> found = new LinkedHashMap<>();
    for (ClaimApi<?> api : readableApis()) {
      try {
        for (CustomResource<?, SandboxClaimStatus> claim : api.list(namespace, labels)) {
          found.putIfAbsent(claim.getMetadata().getName(), summary(claim));
        }
      } catch (KubernetesClientException e) {
        throw new SandboxException("Cannot list SandboxClaims in namespace '" + namespace
            + "' (HTTP " + e.getCode() + "): " + e.getMessage(), null, namespace, e);
      }
    }
    return List.copyOf(found.values());
  }

  private static SandboxSummary summary(CustomResource<?, SandboxClaimStatus> claim) {
    SandboxClaimStatus status = claim.getStatus();
    Optional<String> sandboxName = Optional.ofNullable(status).map(SandboxClaimStatus::getSandbox)
        .map(ClaimedSandbox::getName).filter(n -> !n.isBlank());
    boolean ready = ClaimReadiness.of(claim, status) instanceof ClaimReadiness.Ready;
    Instant createdAt = Instant.EPOCH;
    String timestamp = claim.getMetadata().getCreationTimestamp();
    if (timestamp != null) {
      try {
        createdAt = Instant.parse(timestamp);
      } catch (DateTimeParseException e) {
        LOG.debug("Unparseable creationTimestamp {} on SandboxClaim {}", timestamp,
            claim.getMetadata().getName());
      }
    }
    Map<String, String> labels = claim.getMetadata().getLabels();
    return new SandboxSummary(claim.getMetadata().getName(), claim.getMetadata().getNamespace(),
        sandboxName.orElse(null), ready, labels == null ? Map.of() : labels, createdAt);
  }

  /**
   * Whether the claim of a ready sandbox is gone, after a call to it failed with
   * {@code failure}: deleted, being deleted, or failed for good (expired). One read of the
   * claim; empty when it is still there or cannot be read.
   */
  Optional<SandboxGoneException> gone(ClaimApi<?> api, SandboxRef ref, SandboxException failure,
      RestartTracker restarts) {
    CustomResource<?, SandboxClaimStatus> claim;
    try {
      claim = api.in(ref.namespace()).withName(ref.claimName()).get();
    } catch (KubernetesClientException e) {
      LOG.debug("Cannot read SandboxClaim {}/{} after a failed call: {}", ref.namespace(),
          ref.claimName(), e.toString());
      return Optional.empty();
    }
    if (claim == null) {
      return Optional.of(new SandboxGoneException(ClaimFailedException.REASON_DELETED, null,
          ref.claimName(), ref.namespace(), failure));
    }
    if (ClaimReadiness.of(claim, claim.getStatus()) instanceof ClaimReadiness.Failed failed) {
      return Optional.of(new SandboxGoneException(failed.reason(), failed.message(),
          ref.claimName(), ref.namespace(), failure));
    }
    // The read may show the pod replaced before the watch does.
    restarts.observe(claim, claim.getStatus());
    return Optional.empty();
  }

  /** The Ready condition of a Sandbox. */
  SandboxState status(SandboxRef ref) {
    Optional<SandboxView> sandbox = readSandbox(ref);
    if (sandbox.isEmpty()) {
      return new SandboxState(SandboxState.Phase.NOT_FOUND, "",
          "Sandbox '" + ref.sandboxName() + "' not found in namespace '" + ref.namespace() + "'");
    }
    Optional<Condition> ready = sandbox.get().conditions().stream()
        .filter(c -> SandboxKeys.CONDITION_READY.equals(c.getType())).findFirst();
    if (ready.isEmpty()) {
      return new SandboxState(SandboxState.Phase.NOT_READY, "", "no Ready condition yet");
    }
    if ("True".equals(ready.get().getStatus())) {
      return new SandboxState(SandboxState.Phase.READY, "", "");
    }
    return new SandboxState(SandboxState.Phase.NOT_READY, ready.get().getReason(),
        ready.get().getMessage());
  }

  /** The pod-name annotation of a Sandbox, else its name. */
  String podName(SandboxRef ref) {
    return readSandbox(ref).map(s -> s.annotations().get(SandboxKeys.POD_NAME))
        .filter(n -> !n.isBlank()).orElse(ref.sandboxName());
  }

  /** A pod IP of a Sandbox, IPv4 first. */
  Optional<String> podIp(SandboxRef ref) {
    List<String> ips = readSandbox(ref).map(SandboxView::podIPs).orElse(List.of());
    return ips.stream().filter(ip -> !ip.contains(":")).findFirst()
        .or(() -> ips.stream().findFirst());
  }

  private Optional<SandboxView> readSandbox(SandboxRef ref) {
    boolean beta = switch (apiVersion) {
      case V1ALPHA1 -> false;
      case V1BETA1 -> true;
      case AUTO -> discovery.sandboxesV1beta1();
    };
    try {
      if (beta) {
        dev.agentsandbox.model.v1beta1.Sandbox s = kubernetes
            .resources(dev.agentsandbox.model.v1beta1.Sandbox.class)
            .inNamespace(ref.namespace()).withName(ref.sandboxName()).get();
        return Optional.ofNullable(s).map(x -> new SandboxView(x.getMetadata().getAnnotations(),
            x.getStatus() == null ? null : x.getStatus().getConditions(),
            x.getStatus() == null ? null : x.getStatus().getPodIPs()));
      }
      dev.agentsandbox.model.v1alpha1.Sandbox s = kubernetes
          .resources(dev.agentsandbox.model.v1alpha1.Sandbox.class)
          .inNamespace(ref.namespace()).withName(ref.sandboxName()).get();
      return Optional.ofNullable(s).map(x -> new SandboxView(x.getMetadata().getAnnotations(),
          x.getStatus() == null ? null : x.getStatus().getConditions(),
          x.getStatus() == null ? null : x.getStatus().getPodIPs()));
    } catch (KubernetesClientException e) {
      throw new SandboxException("Cannot read Sandbox '" + ref.sandboxName() + "' in namespace '"
          + ref.namespace() + "' (HTTP " + e.getCode() + "): check that your credentials may "
          + "get sandboxes", ref.claimName(), ref.namespace(), e);
    }
  }

  /** The parts of a Sandbox of any version the client reads. */
  private record SandboxView(Map<String, String> annotations, List<Condition> conditions,
      List<String> podIPs) {
    SandboxView {
      annotations = annotations == null ? Map.of() : annotations;
      conditions = conditions == null ? List.of() : conditions;
      podIPs = podIPs == null ? List.of() : podIPs;
    }
  }

  /** The claim version for {@code options}; checks that the options fit it. */
  ClaimApi<?> claimApiFor(SandboxOptions options) {
    Optional<WarmPool> pool = options.warmPool();
    Optional<String> poolName = pool.flatMap(WarmPool::name);
    boolean beta = switch (apiVersion) {
      case V1ALPHA1 -> false;
      case V1BETA1 -> true;
      case AUTO -> poolName.isPresent() && discovery.claimsV1beta1();
    };
    if (beta) {
      if (poolName.isEmpty()) {
        throw new IllegalArgumentException("v1beta1 claims take their sandbox from a named warm "
            + "pool: set warmPool(WarmPool.named(...)), or use ApiVersion.AUTO or V1ALPHA1 for "
            + (pool.isPresent() ? pool.get() : "a template alone"));
      }
      return v1beta1;
    }
    String why = apiVersion == ApiVersion.V1ALPHA1 ? "the fleet is set to ApiVersion.V1ALPHA1"
        : poolName.isEmpty() ? "v1beta1 claims need a named warm pool"
        : "this cluster does not serve " + ApiDiscovery.CLAIMS_V1BETA1 + " (agent-sandbox before v0.5)";
    if (options.templateName().isEmpty()) {
      throw new IllegalArgumentException("templateName is required for a v1alpha1 claim (" + why
          + ")");
    }
    if (!options.volumeClaimTemplates().isEmpty()) {
      throw new IllegalArgumentException("volume claim templates need a v1beta1 claim, which "
          + "names a warm pool and needs agent-sandbox v0.5 or later; here a v1alpha1 claim "
          + "would be made (" + why + ")");
    }
    if (poolName.isPresent() && (poolName.get().equals(SandboxClaimSpec.WARMPOOL_NONE)
        || poolName.get().equals(SandboxClaimSpec.WARMPOOL_DEFAULT))) {
      throw new IllegalArgumentException("warm pool '" + poolName.get() + "' cannot be named in "
          + "a v1alpha1 claim, where it is a policy: use WarmPool.none() or WarmPool.any(), or "
          + "rename the pool");
    }
    if (!options.env().isEmpty() && pool.isPresent()
        && pool.get().policy() != WarmPool.Policy.NONE) {
      throw new IllegalArgumentException("environment variables need WarmPool.none() on a "
          + "v1alpha1 claim: the controller refuses them for sandboxes adopted from a warm pool");
    }
    return v1alpha1;
  }

  private List<ClaimApi<?>> readableApis() {
    return switch (apiVersion) {
      case V1ALPHA1 -> List.of(v1alpha1);
      case V1BETA1 -> List.of(v1beta1);
      // A real API server shows every claim at both versions; a server without conversion
      // (or a claim made before v0.5) only at the one it was written with.
      case AUTO -> discovery.claimsV1beta1() ? List.of(v1beta1, v1alpha1) : List.of(v1alpha1);
    };
  }

  private <T extends CustomResource<?, SandboxClaimStatus>> T createClaim(ClaimApi<T> api,
      SandboxOptions options, String namespace, String traceContext) {
    for (int attempt = 1; ; attempt++) {
      String name = ClaimNames.generate(random != null ? random : ThreadLocalRandom.current());
      T claim = api.newClaim(new ClaimRequest(name, namespace, options, clock.instant(),
          traceContext));
      try {
        return api.in(namespace).resource(claim).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          // fabric8 re-sends a request whose answer was lost; the claim it then finds may be
          // the one this very request created.
          T ours = findOwnClaim(api, claim);
          if (ours != null) {
            return ours;
          }
          if (attempt < CREATE_ATTEMPTS) {
            continue;
          }
        }
        boolean interrupted = Thread.currentThread().isInterrupted()
            || e.getCause() instanceof InterruptedException;
        if (e.getCode() == 0 || e.getCode() >= 500 || interrupted) {
          // The request may have been sent: make sure no claim is left behind.
          deleteQuietly(api, namespace, name);
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
          InterruptedException cause = new InterruptedException("interrupted while creating a claim");
          cause.initCause(e);
          throw new SandboxInterruptedException("Interrupted while creating SandboxClaim '" + name
              + "' in namespace '" + namespace + "'; the claim was deleted", name, namespace,
              cause);
        }
        throw new SandboxException("Could not create a SandboxClaim (" + api.version() + ") in "
            + "namespace '" + namespace + "'" + (e.getCode() == 0 ? "" : " (HTTP " + e.getCode()
            + ")") + ": " + e.getMessage() + ". Check that the agent-sandbox CRDs are installed, "
            + "the namespace exists and your credentials may create sandboxclaims", null,
            namespace, e);
      }
    }
  }

  private static <T extends CustomResource<?, SandboxClaimStatus>> T findOwnClaim(
      ClaimApi<T> api, T sent) {
    T stored;
    try {
      stored = api.in(sent.getMetadata().getNamespace()).withName(sent.getMetadata().getName())
          .get();
    } catch (KubernetesClientException e) {
      return null;
    }
    return stored != null && api.sameRequest(stored, sent) ? stored : null;
  }

  private void abandon(ClaimApi<?> api, String namespace, String claimName) {
    if (deleteQuietly(api, namespace, claimName)) {
      LOG.info("Deleted SandboxClaim {}/{} after a failed start", namespace, claimName);
    }
  }

  /**
   * Deletes a claim (absent counts as deleted).
   *
   * @throws SandboxException if the API server refuses or cannot be reached
   */
  void delete(ClaimApi<?> api, String namespace, String name) {
    // Cleanup must run even when the thread was interrupted; the flag is restored afterwards.
    boolean interrupted = Thread.interrupted();
    try {
      api.in(namespace).withName(name).delete();
    } catch (KubernetesClientException e) {
      throw new SandboxException("Could not delete SandboxClaim '" + name + "' in namespace '"
          + namespace + "' (HTTP " + e.getCode() + "): " + e.getMessage() + ". Delete it with: "
          + "kubectl delete sandboxclaim " + name + " -n " + namespace, name, namespace, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Deletes a claim; logs at WARN instead of throwing. */
  boolean deleteQuietly(ClaimApi<?> api, String namespace, String name) {
    try {
      delete(api, namespace, name);
      return true;
    } catch (RuntimeException e) {
      LOG.warn("Could not delete SandboxClaim {}/{}: {}", namespace, name, e.getMessage());
      return false;
    }
  }

  private static String describe(SandboxOptions options) {
    List<String> parts = new ArrayList<>();
    options.templateName().ifPresent(t -> parts.add("template " + t));
    options.warmPool().ifPresent(p -> parts.add(p.toString()));
    return String.join(", ", parts);
  }
}
