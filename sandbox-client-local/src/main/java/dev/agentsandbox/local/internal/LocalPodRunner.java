package dev.agentsandbox.local.internal;

import dev.agentsandbox.model.internal.RouterProtocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of the local cluster. For every pod it allocates a loopback address, starts the
 * pod's workload there on the container port with a private base directory, runs the
 * readiness probe and reports phase, conditions and pod IPs; when the pod goes, it stops the
 * workload and removes the directory.
 */
public final class LocalPodRunner implements PodAddressBook, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPodRunner.class);
  private static final int MAX_PROBE_FAILURES_LOGGED = 3;
  private static final int MAX_BIND_ATTEMPTS = 20;

  private final KubernetesClient client;
  private final Vertx vertx;
  private final PodWorkloads workloads;
  private final Path podsDir;
  private final RuntimeTokens tokens;
  private final LoopbackAddresses addresses = new LoopbackAddresses();
  private final Map<String, RunningPod> running = new ConcurrentHashMap<>();
  private final ExecutorService kubelet = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "local-kubelet");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient prober;
  private volatile SharedIndexInformer<Pod> informer;
  private volatile boolean closed;

  /**
   * Creates a runner; {@link #start()} begins watching pods. Readiness probes present the
   * workload's token from {@code tokens}, if it has one.
   */
  public LocalPodRunner(KubernetesClient client, Vertx vertx, PodWorkloads workloads, Path podsDir,
      RuntimeTokens tokens) {
    this.client = client;
    this.tokens = tokens;
    this.vertx = vertx;
    this.workloads = workloads;
    this.podsDir = podsDir;
    this.prober = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(1000));
  }

  /** Starts watching pods in every namespace; blocks until the initial list is done. */
  public void start() {
    informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        maybeStart(pod);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
        if (!Objects.equals(oldPod.getMetadata().getUid(), newPod.getMetadata().getUid())) {
          // Deleted and made again under the same name while the watch was away: a relist shows
          // that as a change of one pod, as a kubelet that tells pods by uid would not.
          stop(oldPod);
        }
        if (newPod.getMetadata().getDeletionTimestamp() != null) {
          stop(newPod);
        } else {
          maybeStart(newPod);
        }
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        stop(pod);
      }
    }, 0);
  }

  @Override
  public Optional<String> addressOf(String namespace, String podName) {
    RunningPod pod = running.get(namespace + "/" + podName);
    return pod == null || !pod.started ? Optional.empty() : Optional.of(pod.address);
  }

  @Override
  public Optional<PodLog> logOf(String namespace, String podName) {
    RunningPod pod = running.get(namespace + "/" + podName);
    return pod == null ? Optional.empty() : Optional.of(pod.log);
  }

  /**
   * Completes once the pod's workload has stopped and its files are gone; at once if the pod
   * does not run here.
   */
  public CompletableFuture<Void> whenStopped(String namespace, String podName) {
    RunningPod pod = running.get(namespace + "/" + podName);
    return pod == null ? CompletableFuture.completedFuture(null) : pod.released;
  }

  private void maybeStart(Pod pod) {
    if (closed || pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (phase != null && !"Pending".equals(phase)) {
      return; // already run, by us or by an earlier incarnation of this cluster
    }
    String key = key(pod);
    RunningPod entry = new RunningPod(pod.getMetadata().getUid());
    if (running.putIfAbsent(key, entry) != null) {
      return;
    }
    kubelet.execute(() -> run(pod, key, entry));
  }

  private void run(Pod pod, String key, RunningPod entry) {
    String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    try {
      if (pod.getSpec().getContainers() == null || pod.getSpec().getContainers().isEmpty()) {
        throw new IllegalStateException("the pod has no containers");
      }
      Container container = pod.getSpec().getContainers().get(0);
      int port = containerPort(container);
      entry.baseDir = Files.createDirectories(podsDir.resolve(pod.getMetadata().getNamespace())
          .resolve(pod.getMetadata().getName() + "-" + uid(pod)));
      for (int attempt = 1; ; attempt++) {
        entry.address = addresses.allocate();
        try {
          synchronized (entry) {
            if (entry.stopped) {
              return;
            }
            entry.workload = workloads.start(pod, entry.address, port, entry.baseDir, entry.log);
            entry.started = true;
          }
          break;
        } catch (RuntimeException e) {
          if (!isAddressInUse(e) || attempt == MAX_BIND_ATTEMPTS) {
            throw e;
          }
          // Another process (another local cluster, say) has this address and port.
          LOG.debug("{}:{} is taken; trying another address for pod {}", entry.address, port, name);
          entry.address = null; // not released: it stays out of the pool
        }
      }
      LOG.debug("Pod {} runs on {}:{}", name, entry.address, port);
      Probe probe = container.getReadinessProbe();
      long delayMs = probe == null ? 0 : Math.max(0, seconds(probe.getInitialDelaySeconds(), 0) * 1000L);
      if (probe == null || probe.getHttpGet() == null) {
        // Nothing to wait for: the first status already says ready, one write instead of two.
        reportStatus(pod, entry, runningStatus(pod, entry.address, true));
      } else if (delayMs > 0) {
        reportStatus(pod, entry, runningStatus(pod, entry.address, false));
        probeLater(pod, entry, probe, port, delayMs, 0);
      } else {
        // The first probe decides what the first status says, which saves a write when it passes.
        probeOnce(pod, entry, probe, port, 0, true);
      }
    } catch (RuntimeException | IOException e) {
      LOG.warn("Pod {} failed to start: {}", name, e.getMessage());
      reportStatus(pod, entry, new PodStatusBuilder().withPhase("Failed").withReason("StartError")
          .withMessage(e.getMessage()).build());
    }
  }

  private void probeLater(Pod pod, RunningPod entry, Probe probe, int containerPort, long delayMs, int failures) {
    Runnable probeNow = () -> probeOnce(pod, entry, probe, containerPort, failures, false);
    if (delayMs <= 0) {
      probeNow.run();
    } else {
      vertx.setTimer(delayMs, id -> probeNow.run());
    }
  }

  /** One readiness probe; {@code unreported} when the pod's running status is not reported yet. */
  private void probeOnce(Pod pod, RunningPod entry, Probe probe, int containerPort, int failures,
      boolean unreported) {
    if (entry.stopped || closed) {
      return;
    }
    HTTPGetAction get = probe.getHttpGet();
    int port = probePort(get.getPort(), containerPort);
    String path = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(entry.address).setPort(port)
        .setURI(path).setTimeout(Math.max(1, seconds(probe.getTimeoutSeconds(), 1)) * 1000L);
    tokens.forAddress(entry.address)
        .ifPresent(token -> request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token));
    prober.request(request)
        .compose(req -> req.send())
        .onComplete(result -> {
          int status = result.succeeded() ? result.result().statusCode() : 0;
          if (status >= 200 && status < 400) {
            kubelet.execute(() -> reportStatus(pod, entry, runningStatus(pod, entry.address, true)));
            return;
          }
          if (unreported) {
            kubelet.execute(() -> reportStatus(pod, entry, runningStatus(pod, entry.address, false)));
          }
          if (failures < MAX_PROBE_FAILURES_LOGGED) {
            LOG.debug("Readiness probe of {} failed: {}", pod.getMetadata().getName(),
                result.succeeded() ? "HTTP " + status : result.cause().toString());
          }
          probeLater(pod, entry, probe, containerPort, Math.max(1, seconds(probe.getPeriodSeconds(), 10)) * 1000L,
              failures + 1);
        });
  }

  private void reportStatus(Pod pod, RunningPod entry, PodStatus status) {
    // A pod deleted meanwhile may have a successor of the same name, which this is not about.
    if (closed || entry.stopped) {
      return;
    }
    // A JSON patch that sets the whole status: a merge patch would have to repeat every list,
    // and some servers (the CRUD mock among them) append to lists instead of replacing them.
    String patch = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":"
        + client.getKubernetesSerialization().asJson(status) + "}]";
    try {
      // A name-only stand-in: with withName(...) alone, fabric8 would read the pod first.
      Pod target = new PodBuilder().withNewMetadata().withName(pod.getMetadata().getName())
          .withNamespace(pod.getMetadata().getNamespace()).endMetadata().build();
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(target)
          .subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && !closed) {
        LOG.warn("Cannot report the status of pod {}: {}", pod.getMetadata().getName(), e.getMessage());
      }
    }
  }

  private PodStatus runningStatus(Pod pod, String address, boolean ready) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String readiness = ready ? "True" : "False";
    List<PodCondition> conditions = List.of(
        condition("PodScheduled", "True", now),
        condition("Initialized", "True", now),
        condition("ContainersReady", readiness, now),
        condition("Ready", readiness, now));
    return new PodStatusBuilder()
        .withPhase("Running")
        .withHostIP("127.0.0.1")
        .withPodIP(address)
        .withPodIPs(new PodIPBuilder().withIp(address).build())
        .withStartTime(now)
        .withConditions(conditions)
        .withContainerStatuses(new ContainerStatusBuilder().withName(pod.getSpec().getContainers().get(0).getName()).withReady(ready).withStarted(true)
            .withRestartCount(0).withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build())
        .build();
  }

  private static PodCondition condition(String type, String status, String now) {
    return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(now).build();
  }

  private void stop(Pod pod) {
    RunningPod entry = running.get(key(pod));
    if (entry == null || !entry.uid.equals(pod.getMetadata().getUid())) {
      return;
    }
    running.remove(key(pod), entry);
    kubelet.execute(() -> release(entry));
  }

  private void release(RunningPod entry) {
    AutoCloseable workload;
    synchronized (entry) {
      entry.stopped = true;
      workload = entry.workload;
    }
    if (workload != null) {
      try {
        workload.close();
      } catch (Exception e) {
        LOG.warn("Stopping a local pod failed: {}", e.toString());
      }
    }
    if (entry.address != null) {
      addresses.release(entry.address);
    }
    Directories.deleteRecursively(entry.baseDir);
    entry.log.end();
    entry.released.complete(null);
  }

  private static boolean isAddressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  private static int containerPort(Container container) {
    List<ContainerPort> ports = container.getPorts();
    if (ports != null && !ports.isEmpty() && ports.get(0).getContainerPort() != null) {
      return ports.get(0).getContainerPort();
    }
    return RouterProtocol.RUNTIME_PORT;
  }

  private static int probePort(IntOrString port, int containerPort) {
    if (port == null || port.getIntVal() == null) {
      return containerPort; // named ports resolve to the (single) container port
    }
    return port.getIntVal();
  }

  private static int seconds(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /**
   * The whole uid: a pod replaced by one of the same name has its files removed after its
   * successor started, so the two directories must differ, and the embedded API server's uids
   * differ only in their last digits.
   */
  private static String uid(Pod pod) {
    String uid = pod.getMetadata().getUid();
    return uid == null ? "0" : uid;
  }

  /** Stops watching and stops every running pod's workload. */
  @Override
  public void close() {
    closed = true;
    if (informer != null) {
      informer.close();
    }
    // Let queued releases of pods deleted just before run, so their workloads stop too.
    kubelet.shutdown();
    try {
      if (!kubelet.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("Local pods are still stopping after 30 s; stopping the rest now");
        kubelet.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kubelet.shutdownNow();
    }
    running.values().forEach(this::release);
    running.clear();
    prober.close();
  }

  private static final class RunningPod {
    final String uid;
    final CompletableFuture<Void> released = new CompletableFuture<>();
    final PodLog log = new PodLog();
    volatile String address;
    volatile Path baseDir;
    volatile boolean started;
    volatile boolean stopped;
    AutoCloseable workload;

    RunningPod(String uid) {
      this.uid = uid;
    }
  }
}
