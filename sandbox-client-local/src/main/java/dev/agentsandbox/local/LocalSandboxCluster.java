package dev.agentsandbox.local;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.internal.SandboxdPorts;
import dev.agentsandbox.controller.ControllerOptions;
import dev.agentsandbox.controller.SandboxController;
import dev.agentsandbox.local.internal.Directories;
import dev.agentsandbox.local.internal.LocalApiServer;
import dev.agentsandbox.local.internal.LocalPodRunner;
import dev.agentsandbox.local.internal.OwnerGarbageCollector;
import dev.agentsandbox.local.internal.PodAddressBook;
import dev.agentsandbox.local.internal.PodLog;
import dev.agentsandbox.local.internal.RuntimeTokens;
import dev.agentsandbox.local.internal.WorkloadController;
import dev.agentsandbox.model.internal.RouterProtocol;
import dev.agentsandbox.router.RouterOptions;
import dev.agentsandbox.router.SandboxRouter;
import dev.agentsandbox.runtime.CommandIsolation;
import dev.agentsandbox.runtime.CommandLauncher;
import dev.agentsandbox.runtime.IsolationPolicy;
import dev.agentsandbox.runtime.RuntimeOptions;
import dev.agentsandbox.runtime.SandboxRuntimeServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole agent-sandbox cluster in this JVM, for development and tests, with no Docker and no
 * real Kubernetes: an in-process API server (fabric8's mock server in CRUD mode, with the
 * agent-sandbox CRDs and the Gateway API's Gateway), the agent-sandbox controller, the sandbox
 * router running as a pod labelled {@code app: sandbox-router} behind Service
 * {@code sandbox-router-svc} (the tutorial's layout) and replaced when deleted, as by a
 * Deployment, a local pod runner that starts a sandbox runtime for every pod on a
 * loopback address of its own (127.1xx.y.z), garbage collection by ownerReferences and a real
 * {@code pods/portforward}. A {@link dev.agentsandbox.client.SandboxClient} connects to it
 * exactly as to a real cluster.
 *
 * <p>Like a real router, the cluster's routers require a Bearer token: a random one per cluster,
 * which {@link #tunnel()} hands to a client (or {@link #routerAuthToken()} for the other
 * connection modes).
 *
 * <pre>{@code
 * try (LocalSandboxCluster cluster = LocalSandboxCluster.start()) {
 *   cluster.apply(Path.of("sandbox-template.yaml"));
 *   try (SandboxClient sandbox = SandboxClient.builder()
 *       .kubernetesClient(cluster.client())
 *       .connection(cluster.tunnel())
 *       .templateName("python-runtime-template")
 *       .build()) {
 *     System.out.println(sandbox.run("echo hello").stdout());
 *   }
 * }
 * }</pre>
 *
 * <p>Sandbox commands run as processes of this machine. With bubblewrap installed they are
 * isolated, whether this JVM runs as root or not: as an unprivileged user without
 * capabilities, seeing only the system directories, the public part of {@code /etc} and the
 * sandbox's own directory, the only writable one; no network, own pid namespace. See
 * {@link Builder#isolation(IsolationPolicy)}. Each sandbox runtime accepts requests only from
 * the cluster's own components (router, port-forwards, probes), not from other local users;
 * see {@link Builder#runtimeAuthentication(boolean)}. This is a development tool, not a
 * security boundary comparable to gVisor.
 *
 * @since 0.1.0
 */
public final class LocalSandboxCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSandboxCluster.class);
  /** Name of the router Service, as in the tutorial. */
  public static final String ROUTER_SERVICE = RouterProtocol.ROUTER_SERVICE;
  /** Port of the router Service and pods. */
  public static final int ROUTER_PORT = RouterProtocol.ROUTER_PORT;
  private static final String ROUTER_IMAGE = "agent-sandbox/sandbox-router:local";
  private static final String ROUTER_APP = "sandbox-router";

  private final Builder options;
  private final List<AutoCloseable> resources = new ArrayList<>();
  // Sandboxes run as processes of this machine and can reach the routers' loopback addresses.
  private final String routerToken = newToken();
  private Vertx vertx;
  private LocalApiServer api;
  private KubernetesClient client;
  private volatile KubernetesClient routerClient;
  private LocalPodRunner runner;
  private final RuntimeTokens tokens = new RuntimeTokens();
  /** The process API port of each runtime pod, by address. */
  private final Map<String, Integer> processPorts = new ConcurrentHashMap<>();
  private CommandIsolation isolation;
  private CommandLauncher launcher;
  private Path workDir;
  private boolean ownsWorkDir;
  private volatile boolean closed;

  private LocalSandboxCluster(Builder options) {
    this.options = options;
  }

  /**
   * Starts a cluster with the default options; blocks until the router is Ready.
   *
   * @throws IllegalStateException if a component cannot start
   */
  public static LocalSandboxCluster start() {
    return builder().start();
  }

  /** A builder for a cluster with non-default options. */
  public static Builder builder() {
    return new Builder();
  }

  private void boot() throws IOException {
    long started = System.nanoTime();
    isolation = options.isolation.resolve();
    // The launcher JVM boots while the API server starts.
    CompletableFuture<CommandLauncher> launching = options.commandLauncher
        ? CompletableFuture.supplyAsync(this::startLauncher) : CompletableFuture.completedFuture(null);
    ownsWorkDir = options.workDir == null;
    workDir = ownsWorkDir ? Files.createTempDirectory("agent-sandbox-local-") : Files.createDirectories(options.workDir);
    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
    PodAddressHolder addressBook = new PodAddressHolder(tokens, processPorts);
    try {
      api = LocalApiServer.start(addressBook, options.apiServerTls);
    } finally {
      try {
        launcher = launching.join();
      } catch (CompletionException e) {
        throw (RuntimeException) e.getCause();
      }
      if (launcher != null) {
        resources.add(launcher);
      }
    }
    resources.add(api);
    // One client per component, as separate processes would have: each with its own connections
    // and with threads named after it.
    client = api.newClient("cluster");
    resources.add(client);
    routerClient = api.newClient("router");
    resources.add(routerClient);
    resources.add(OwnerGarbageCollector.start(client, api));
    KubernetesClient workloadsClient = api.newClient("workloads");
    resources.add(workloadsClient);
    resources.add(WorkloadController.start(workloadsClient));
    runner = new LocalPodRunner(client, vertx, this::startWorkload, workDir.resolve("pods"), tokens);
    addressBook.delegate = runner;
    resources.add(runner);
    runner.start();
    if (options.controller) {
      KubernetesClient controllerClient = api.newClient("controller");
      resources.add(controllerClient);
      resources.add(SandboxController.start(controllerClient,
          ControllerOptions.builder().clusterDomain(options.clusterDomain).build()));
    }
    for (String namespace : options.routerNamespaces) {
      deployRouter(namespace);
    }
    resources.add(keepRoutersRunning());
    LOG.info("Local sandbox cluster ready at {} in {} ms (command isolation: {})", api.url(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), isolation.describe());
  }

  private AutoCloseable startWorkload(Pod pod, String address, int port, Path baseDir, PodLog log) {
    if (isRouter(pod)) {
      SandboxRouter router = SandboxRouter.start(vertx, routerClient, RouterOptions.builder()
          .host(address).port(port).defaultNamespace(pod.getMetadata().getNamespace())
          .clusterDomain(options.clusterDomain).authToken(routerToken)
          .upstreamCredentials((host, targetPort) -> tokens.forAddress(host)).build());
      return router;
    }
    boolean wantsIsolation = "gvisor".equals(pod.getSpec().getRuntimeClassName());
    if (wantsIsolation && !isolation.isolated()) {
      throw new IllegalStateException("Pod asks for runtimeClassName gvisor, but commands cannot be isolated here ("
          + isolation.describe() + "): install bubblewrap (apt-get install bubblewrap) or remove runtimeClassName");
    }
    String token = options.runtimeAuthentication ? tokens.issue(address) : null;
    try {
      RuntimeOptions.Builder runtimeOptions = RuntimeOptions.builder()
          .host(address).port(port).baseDir(baseDir).execTimeout(options.execTimeout).isolation(isolation)
          .launcher(launcher).accessToken(token).accessLog(log::append);
      // A sandboxd pod (its ports or its discovery variables say so) gets sandboxd's APIs on its
      // ports; the legacy API stays on the runtime's own port, unless sandboxd takes that one.
      // Every runtime pod also serves the process API, on a port of its own unless sandboxd's:
      // exec runs commands live through it.
      Optional<SandboxdPorts> sandboxd = SandboxdPorts.detect(pod.getSpec().getContainers());
      runtimeOptions.sandboxd(0, -1);
      sandboxd.ifPresent(ports -> runtimeOptions.sandboxd(ports.grpc(), ports.rest())
          .port(ports.rest() == RuntimeOptions.DEFAULT_PORT || ports.grpc() == RuntimeOptions.DEFAULT_PORT
              ? 0 : RuntimeOptions.DEFAULT_PORT));
      SandboxRuntimeServer runtime = SandboxRuntimeServer.start(vertx, runtimeOptions.build());
      processPorts.put(address, runtime.sandboxdGrpcPort());
      return () -> {
        try {
          processPorts.remove(address, runtime.sandboxdGrpcPort());
          runtime.close();
        } finally {
          revoke(address, token);
        }
      };
    } catch (RuntimeException e) {
      revoke(address, token);
      throw e;
    }
  }

  private void revoke(String address, String token) {
    if (token != null) {
      tokens.revoke(address, token);
    }
  }

  private CommandLauncher startLauncher() {
    try {
      return CommandLauncher.start(options.startTimeout);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the command launcher: " + e.getMessage(), e);
    }
  }

  private static boolean isRouter(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return (labels != null && ROUTER_APP.equals(labels.get("app")))
        || pod.getSpec().getContainers().stream().anyMatch(c -> c.getImage() != null && c.getImage().contains("sandbox-router"));
  }

  private void deployRouter(String namespace) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .createOr(NonDeletingOperation::update);
    client.services().inNamespace(namespace).resource(new ServiceBuilder()
        .withNewMetadata().withName(ROUTER_SERVICE).withNamespace(namespace).endMetadata()
        .withNewSpec().withType("ClusterIP").withSelector(Map.of("app", ROUTER_APP))
        .addNewPort().withName("http").withProtocol("TCP").withPort(ROUTER_PORT)
        .withNewTargetPort(ROUTER_PORT).endPort().endSpec().build())
        .createOr(NonDeletingOperation::update);
    Pod pod = createRouterPod(namespace);
    client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
        .waitUntilCondition(p -> p != null && Readiness.isPodReady(p), options.startTimeout.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** A router pod named like a Deployment's, {@code sandbox-router-<5 random characters>}. */
  private Pod createRouterPod(String namespace) {
    String suffix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36), 36);
    return client.pods().inNamespace(namespace).resource(new PodBuilder()
        .withNewMetadata().withName(ROUTER_APP + "-" + suffix).withNamespace(namespace)
        .withLabels(Map.of("app", ROUTER_APP)).endMetadata()
        .withNewSpec().addNewContainer().withName("router").withImage(ROUTER_IMAGE)
        // Named as the router's Deployment names it, so that its Service may target it by name.
        .addNewPort().withName("http").withContainerPort(ROUTER_PORT).endPort()
        .withNewReadinessProbe().withNewHttpGet().withPath("/healthz").withNewPort(ROUTER_PORT).endHttpGet()
        .withPeriodSeconds(1).endReadinessProbe()
        .endContainer().endSpec().build())
        .create();
  }

  /** Like a Deployment with one replica: a deleted router pod is replaced by a new one. */
  private AutoCloseable keepRoutersRunning() {
    return client.pods().inAnyNamespace().withLabel("app", ROUTER_APP).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        String namespace = pod.getMetadata().getNamespace();
        // Only the cluster's own router pods: a Deployment's are its ReplicaSet's to replace.
        if (closed || !options.routerNamespaces.contains(namespace) || !pod.getMetadata().getOwnerReferences().isEmpty()) {
          return;
        }
        try {
          Pod replacement = createRouterPod(namespace);
          LOG.debug("Router pod {}/{} deleted; started {}", namespace, pod.getMetadata().getName(),
              replacement.getMetadata().getName());
        } catch (RuntimeException e) {
          if (!closed) {
            LOG.warn("Cannot replace router pod {}/{}: {}", namespace, pod.getMetadata().getName(), e.toString());
          }
        }
      }
    }, 0);
  }

  /**
   * Where the router of a namespace listens: its Ready pod's address and port, as a Gateway or
   * an in-cluster client would reach it.
   *
   * @throws IllegalStateException if the namespace has no Ready router pod
   */
  public InetSocketAddress routerAddress(String namespace) {
    checkOpen();
    return client.pods().inNamespace(namespace).withLabel("app", ROUTER_APP).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && Readiness.isPodReady(p))
        .findFirst()
        .map(p -> new InetSocketAddress(p.getStatus().getPodIP(), ROUTER_PORT))
        .orElseThrow(() -> new IllegalStateException("No Ready router pod in namespace " + namespace));
  }

  /**
   * Deletes the router pod of a namespace, as a node failure or a rollout would, and waits until
   * the old router has stopped and its replacement (a new pod with a new name and address) is
   * Ready. Blocks up to twice the start timeout.
   *
   * @return the replacement's address
   * @throws IllegalStateException if the namespace has no router or no replacement becomes Ready
   */
  public InetSocketAddress replaceRouterPod(String namespace) {
    checkOpen();
    if (!options.routerNamespaces.contains(namespace)) {
      throw new IllegalStateException("Namespace " + namespace + " has no router of this cluster");
    }
    Set<String> old = new LinkedHashSet<>();
    List<CompletableFuture<Void>> stopped = new ArrayList<>();
    client.pods().inNamespace(namespace).withLabel("app", ROUTER_APP).list().getItems().forEach(p -> {
      old.add(p.getMetadata().getName());
      stopped.add(runner.whenStopped(namespace, p.getMetadata().getName()));
    });
    client.pods().inNamespace(namespace).withLabel("app", ROUTER_APP).delete();
    try {
      CompletableFuture.allOf(stopped.toArray(CompletableFuture[]::new))
          .get(options.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      client.pods().inNamespace(namespace).withLabel("app", ROUTER_APP)
          .informOnCondition(pods -> pods.stream().anyMatch(p -> !old.contains(p.getMetadata().getName())
              && Readiness.isPodReady(p)))
          .get(options.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for the replacement router pod", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("No replacement router pod became Ready in namespace " + namespace, e);
    }
    return routerAddress(namespace);
  }

  /**
   * The Bearer token this cluster's routers require: random, made for this cluster. Pass it to
   * {@code withAuthToken} of a gateway or direct connection mode, or as
   * {@code Authorization: Bearer <token>} from other tools. Keep it out of logs.
   */
  public String routerAuthToken() {
    return routerToken;
  }

  /**
   * The default tunnel connection mode (to the router in the sandbox's namespace) with this
   * cluster's router token: {@code ConnectionMode.tunnel().withAuthToken(routerAuthToken())}.
   */
  public ConnectionMode.Tunnel tunnel() {
    return ConnectionMode.tunnel().withAuthToken(routerToken);
  }

  /**
   * The tunnel connection mode to this cluster's router in a namespace of
   * {@link Builder#routerNamespaces}, with the cluster's router token.
   */
  public ConnectionMode.Tunnel tunnel(String routerNamespace) {
    return ConnectionMode.tunnel(routerNamespace).withAuthToken(routerToken);
  }

  private static String newToken() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /**
   * Ends every open watch of the API server from its side, as an API server restart does, to
   * check that the SDK, the controller and the cluster's own components watch again. For tests
   * in this package; does not block.
   *
   * @return how many watches were ended
   */
  int closeWatches() {
    checkOpen();
    return api.closeWatches();
  }

  /** How many watches of the API server are open: for tests awaiting their reopening. */
  int openWatches() {
    checkOpen();
    return api.openWatches();
  }

  /**
   * A client of this cluster, in namespace {@code default}, with the cluster's API credential.
   * It is shared and closed with the cluster: do not close it yourself.
   */
  public KubernetesClient client() {
    checkOpen();
    return client;
  }

  /**
   * Base URL of the cluster's API server, e.g. {@code http://127.0.0.1:40123}. The server
   * answers {@code 401} to any request without the cluster's bearer token: use
   * {@link #client()} or the kubeconfig of {@link #writeKubeconfig(Path)}.
   */
  public String url() {
    checkOpen();
    return api.url();
  }

  /**
   * The directory holding the files of the cluster's pods (each pod's base directory is below
   * it): the builder's {@link Builder#workDir(Path)}, or a temporary directory the cluster
   * deletes on close. For tests that look at what sandboxes leave on disk.
   */
  public Path workDir() {
    return workDir;
  }

  /** How sandbox commands are isolated in this cluster, in words. */
  public String isolation() {
    return isolation.describe();
  }

  /** Whether sandbox commands run isolated (bubblewrap) rather than as plain processes. */
  public boolean commandsIsolated() {
    return isolation.isolated();
  }

  /**
   * Creates or updates every object of a YAML (or JSON) stream, e.g. a SandboxTemplate.
   *
   * @return the objects as stored
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API refuses one
   */
  public List<HasMetadata> apply(InputStream yaml) {
    checkOpen();
    List<HasMetadata> applied = new ArrayList<>();
    for (HasMetadata item : client.load(yaml).items()) {
      applied.add(client.resource(item).createOr(NonDeletingOperation::update));
    }
    return applied;
  }

  /** Like {@link #apply(InputStream)} for a file. */
  public List<HasMetadata> apply(Path yamlFile) {
    try (InputStream in = Files.newInputStream(yamlFile)) {
      return apply(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + yamlFile, e);
    }
  }

  /** Like {@link #apply(InputStream)} for YAML text. */
  public List<HasMetadata> apply(String yaml) {
    return apply(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Writes a kubeconfig file for this cluster (context {@code agent-sandbox-local}), so other
   * tools, kubectl included, can use it while it runs. The file is the cluster's credential: it
   * holds the API server's bearer token, which every request needs, and is created readable by
   * its owner only (mode {@code 0600} on POSIX file systems); an existing file is replaced.
   *
   * @return {@code file}
   */
  public Path writeKubeconfig(Path file) {
    checkOpen();
    return api.writeKubeconfig(file);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("This LocalSandboxCluster is closed");
    }
  }

  /** Stops every component, every sandbox process, and removes the cluster's files. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        LOG.warn("Error while stopping the local cluster: {}", e.toString());
      }
    }
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.warn("Error while stopping the local cluster: {}", e.toString());
      }
    }
    if (ownsWorkDir) {
      Directories.deleteRecursively(workDir);
    }
  }

  private static final class PodAddressHolder implements PodAddressBook {
    private final RuntimeTokens tokens;
    private final Map<String, Integer> processPorts;
    volatile PodAddressBook delegate;

    PodAddressHolder(RuntimeTokens tokens, Map<String, Integer> processPorts) {
      this.tokens = tokens;
      this.processPorts = processPorts;
    }

    @Override
    public OptionalInt processPortOf(String address) {
      Integer port = processPorts.get(address);
      return port == null ? OptionalInt.empty() : OptionalInt.of(port);
    }

    @Override
    public Optional<String> accessTokenOf(String address) {
      return tokens.forAddress(address);
    }

    @Override
    public Optional<String> addressOf(String namespace, String podName) {
      PodAddressBook d = delegate;
      return d == null ? Optional.empty() : d.addressOf(namespace, podName);
    }

    @Override
    public Optional<PodLog> logOf(String namespace, String podName) {
      PodAddressBook d = delegate;
      return d == null ? Optional.empty() : d.logOf(namespace, podName);
    }
  }

  /** Options of a {@link LocalSandboxCluster}. */
  public static final class Builder {
    private IsolationPolicy isolation = IsolationPolicy.AUTO;
    private final Set<String> routerNamespaces = new LinkedHashSet<>(List.of("default"));
    private boolean controller = true;
    private Path workDir;
    private String clusterDomain = "cluster.local";
    private Duration execTimeout = Duration.ofMinutes(5);
    private Duration startTimeout = Duration.ofSeconds(30);
    private boolean commandLauncher = true;
    private boolean runtimeAuthentication = true;
    private boolean apiServerTls;

    private Builder() {
    }

    /**
     * Whether the API server speaks HTTPS, with a self-signed certificate made at start, rather
     * than plain HTTP (the default). Either way it requires the cluster's token. Turn it on when
     * the kubeconfig of {@link LocalSandboxCluster#writeKubeconfig(Path)} is for kubectl or other
     * tools built on client-go, which send credentials only over HTTPS; {@link LocalClusterMain}
     * does. It costs time at start and CPU per request; fabric8 clients send the token over plain
     * HTTP as well.
     */
    public Builder apiServerTls(boolean enabled) {
      this.apiServerTls = enabled;
      return this;
    }

    /**
     * How sandbox commands are isolated: {@code AUTO} (the default) uses bubblewrap when it
     * works and warns loudly when it does not; {@code REQUIRED} fails instead; {@code NONE}
     * runs commands as plain processes. Pods asking for {@code runtimeClassName: gvisor}
     * always require isolation.
     */
    public Builder isolation(IsolationPolicy policy) {
      this.isolation = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Namespaces that get a router pod and {@code sandbox-router-svc}; default {@code default}. */
    public Builder routerNamespaces(String... namespaces) {
      routerNamespaces.clear();
      routerNamespaces.addAll(List.of(namespaces));
      return this;
    }

    /** Whether to run the agent-sandbox controller (default true). */
    public Builder controller(boolean enabled) {
      this.controller = enabled;
      return this;
    }

    /** Directory for the pods' files; default a temporary directory removed on close. */
    public Builder workDir(Path dir) {
      this.workDir = dir;
      return this;
    }

    /** Cluster DNS domain reported in service FQDNs; default {@code cluster.local}. */
    public Builder clusterDomain(String domain) {
      this.clusterDomain = Objects.requireNonNull(domain, "domain");
      return this;
    }

    /** Longest a sandbox command may run (the runtime's exec timeout); default 5 minutes. */
    public Builder execTimeout(Duration timeout) {
      this.execTimeout = positive(timeout, "execTimeout");
      return this;
    }

    /**
     * Whether sandbox commands are started by a small {@link CommandLauncher} process (the
     * default) rather than by this JVM. Starting a process from a JVM that holds a whole cluster
     * costs about a millisecond more per command, and several more at the tail.
     */
    public Builder commandLauncher(boolean enabled) {
      this.commandLauncher = enabled;
      return this;
    }

    /**
     * Whether each sandbox runtime serves only the cluster's own components (the default):
     * every runtime pod gets a random access token, kept in this JVM's memory, which the router,
     * the API server's port-forwards and the readiness probes present and every other client
     * lacks, so another local user cannot run commands in a sandbox by connecting to its pod
     * address. {@link dev.agentsandbox.client.ConnectionMode#inCluster()} talks to the pods
     * straight and is refused then; turn this off to use it, accepting that every local user
     * can then reach every sandbox.
     */
    public Builder runtimeAuthentication(boolean enabled) {
      this.runtimeAuthentication = enabled;
      return this;
    }

    /** Longest the start may wait for the router to become Ready; default 30 s. */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = positive(timeout, "startTimeout");
      return this;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }

    /**
     * Starts the cluster; blocks until its router is Ready.
     *
     * @throws IllegalStateException if a component cannot start (everything started is stopped)
     */
    public LocalSandboxCluster start() {
      LocalSandboxCluster cluster = new LocalSandboxCluster(this);
      try {
        cluster.boot();
        return cluster;
      } catch (IOException e) {
        cluster.close();
        throw new IllegalStateException("Cannot start the local sandbox cluster: " + e.getMessage(), e);
      } catch (RuntimeException e) {
        cluster.close();
        throw e;
      }
    }
  }
}
