package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.ApiVersion;
import dev.agentsandbox.client.ClaimNotFoundException;
import dev.agentsandbox.client.Runtime;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.client.WarmPool;
import dev.agentsandbox.model.v1alpha1.ClaimedSandbox;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, attaches to and lists the claims of one fleet and connects to their sandboxes: the
 * claim version comes from a {@link ClaimVersionPolicy}, the claim's life from a
 * {@link ClaimLifecycle}, and each handle gets only the narrow parts it needs (a
 * {@link SandboxLookup}, a {@link ClaimDeleter}, a {@link ClaimGoneCheck}). Thread-safe.
 */
public final class SandboxProvisioner {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxProvisioner.class);

  private final KubernetesClient kubernetes;
  private final ClaimVersionPolicy versions;
  private final ClaimLifecycle claims;
  private final SandboxLookup sandboxes;
  private final SandboxConnector connector;
  private final SandboxdConnector sandboxd;
  private final boolean podExec;
  private final ExecutorService async;
  private final Telemetry telemetry;
  private final ClaimRestartWatch restarts = new ClaimRestartWatch();

  /**
   * @param apiVersion the claim version to use, or AUTO to ask the cluster
   * @param random source of claim names; null for a thread-local one
   */
  public SandboxProvisioner(KubernetesClient kubernetes, ApiVersion apiVersion,
      SandboxConnector connector, SandboxdConnector sandboxd, boolean podExec, Telemetry telemetry,
      Clock clock, RandomGenerator random) {
    this.kubernetes = kubernetes;
    this.versions = new ClaimVersionPolicy(kubernetes, apiVersion);
    this.claims = new ClaimLifecycle(clock, random);
    this.sandboxes = new SandboxReader(kubernetes, versions::sandboxesV1beta1);
    this.connector = connector;
    this.sandboxd = sandboxd;
    this.podExec = podExec;
    AtomicInteger threads = new AtomicInteger();
    // Legacy runAsync calls: each holds a thread while its HTTP call runs; idle ones end.
    this.async = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "sandbox-run-async-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.telemetry = telemetry;
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
    SandboxOptions complete = withPoolTemplate(options, namespace);
    return createWith(versions.forCreate(complete), complete, namespace, readyTimeout, startNanos,
        onEnd);
  }

  /**
   * Options naming a warm pool and no template, for a v1alpha1 claim, which must name its
   * template: the pool's template added, read off the SandboxWarmPool, as a v1beta1 claim
   * reaches it through the pool. Other options are returned as they are.
   *
   * @throws IllegalArgumentException if the pool does not exist or names no template
   */
  private SandboxOptions withPoolTemplate(SandboxOptions options, String namespace) {
    Optional<String> pool = options.warmPool().flatMap(WarmPool::name);
    if (options.templateName().isPresent() || pool.isEmpty()
        || versions.createsV1beta1(options)) {
      return options;
    }
    SandboxWarmPool found;
    try {
      found = kubernetes.resources(SandboxWarmPool.class).inNamespace(namespace)
          .withName(pool.get()).get();
    } catch (KubernetesClientException e) {
      throw new SandboxException("Could not read SandboxWarmPool " + namespace + "/" + pool.get()
          + " for its template: " + e.getMessage(), e);
    }
    String template = found == null || found.getSpec() == null
        || found.getSpec().sandboxTemplateRef() == null ? null
        : found.getSpec().sandboxTemplateRef().name();
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("SandboxWarmPool '" + pool.get() + "' "
          + (found == null ? "does not exist" : "names no template") + " in namespace '"
          + namespace + "': a v1alpha1 claim needs the pool's template (this cluster serves no "
          + "v1beta1 claims, or the fleet is set to ApiVersion.V1ALPHA1)");
    }
    return options.toBuilder().templateName(template).build();
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
            o -> claims.create(api, options, namespace, traceContext));
        claimName = created.getMetadata().getName();
        root.attribute(Telemetry.CLAIM, claimName);
        attributes.put(Telemetry.CLAIM, claimName);
        LOG.info("Created SandboxClaim {}/{} ({}) from {}", namespace, claimName,
            api.version().name().toLowerCase(java.util.Locale.ROOT), describe(options));
        SandboxHandle handle = awaitAndConnect(api, created, deadline, readyTimeout, attributes,
            true, options.runtime(), onEnd);
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
        for (ClaimApi<?> api : versions.forRead()) {
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
    T claim = claims.find(api, namespace, claimName);
    if (claim == null) {
      return null;
    }
    return awaitAndConnect(api, claim, deadline, readyTimeout, attributes, false, Runtime.AUTO, onEnd);
  }

  private <T extends CustomResource<?, SandboxClaimStatus>> SandboxHandle awaitAndConnect(
      ClaimApi<T> api, T claim, long deadline, Duration readyTimeout,
      Map<String, String> attributes, boolean created, Runtime runtime, Consumer<SandboxHandle> onEnd)
      throws InterruptedException {
    String namespace = claim.getMetadata().getNamespace();
    String claimName = claim.getMetadata().getName();
    T ready = telemetry.observe("sandbox.claim.wait", attributes,
        o -> claims.awaitReady(api, claim, deadline, readyTimeout));
    String sandboxName = ((ClaimReadiness.Ready) ClaimReadiness.of(ready, ready.getStatus()))
        .sandboxName();
    SandboxRef ref = new SandboxRef(claimName, namespace, sandboxName);
    Map<String, String> connected = new LinkedHashMap<>(attributes);
    connected.put(Telemetry.SANDBOX, sandboxName);
    // Watching starts at the ready state, so a pod replaced while connecting is noticed too.
    ClaimRestartWatch.Registration watching = restarts.register(api, ready, ref);
    try {
      watching.awaitStarted(deadline);
      SandboxRuntimeApi http = telemetry.observe("sandbox.connect", connected,
          o -> connect(ref, runtime));
      LOG.debug("Connected to sandbox {} ({} runtime) via {}", sandboxName, http.runtimeName(),
          http instanceof SandboxdApi ? "sandboxd" : connector.describe());
      return new SandboxHandle(ref, api.templateName(claim).orElse(null), http, created,
          watching, telemetry, sandboxes, claims.deleter(api), claims.goneCheck(api), onEnd);
    } catch (InterruptedException | RuntimeException | Error e) {
      watching.close();
      throw e;
    }
  }

  /** The API of a ready sandbox, for the runtime asked for or found on its pod template. */
  private SandboxRuntimeApi connect(SandboxRef ref, Runtime runtime) throws InterruptedException {
    HeaderValues.requireRoutable(ref);
    Optional<SandboxdPorts> ports = switch (runtime) {
      case LEGACY -> Optional.empty();
      case SANDBOXD -> Optional.of(SandboxdPorts.detect(sandboxes.containers(ref))
          .orElse(SandboxdPorts.DEFAULT));
      case AUTO -> sandboxd.reachable() ? detect(ref) : Optional.empty();
    };
    if (ports.isPresent()) {
      return sandboxd.connect(ref, ports.get(), sandboxes);
    }
    return new LegacyRuntimeApi(connector.connect(ref), ref, async,
        podExec ? sandboxd.podExec(ref, sandboxes) : null);
  }

  /** sandboxd's ports if the sandbox's pod template runs it; empty if not, or unreadable. */
  private Optional<SandboxdPorts> detect(SandboxRef ref) {
    try {
      return SandboxdPorts.detect(sandboxes.containers(ref));
    } catch (SandboxException e) {
      LOG.debug("Cannot read the pod template of sandbox {} ({}); using the legacy runtime",
          ref.sandboxName(), e.getMessage());
      return Optional.empty();
    }
  }

  /** Stops watching the claims of ready sandboxes; for the fleet's close. */
  public void close() {
    restarts.close();
    sandboxd.close();
    async.shutdownNow();
  }

  /**
   * The claims of a namespace that carry all of {@code labels}, at every version this client
   * reads (a claim served at two versions is listed once).
   */
  public List<SandboxSummary> list(String namespace, Map<String, String> labels) {
    Map<String, SandboxSummary> found = new LinkedHashMap<>();
    for (ClaimApi<?> api : versions.forRead()) {
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
    Optional<String> sandboxName = Optional.ofNullable(status).map(SandboxClaimStatus::sandbox)
        .map(ClaimedSandbox::name).filter(n -> !n.isBlank());
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

  private void abandon(ClaimApi<?> api, String namespace, String claimName) {
    if (claims.deleteQuietly(api, namespace, claimName)) {
      LOG.info("Deleted SandboxClaim {}/{} after a failed start", namespace, claimName);
    }
  }

  private static String describe(SandboxOptions options) {
    List<String> parts = new ArrayList<>();
    options.templateName().ifPresent(t -> parts.add("template " + t));
    options.warmPool().ifPresent(p -> parts.add(p.toString()));
    return String.join(", ", parts);
  }
}
