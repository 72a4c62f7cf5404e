package dev.agentsandbox.router.internal;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.router.RouterStartException;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch-fed cache of Sandbox resources: the only source of addresses the router forwards to.
 * Lookups never block and are safe from any thread.
 */
public final class SandboxDirectory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxDirectory.class);

  private final SharedIndexInformer<Sandbox> informer;
  private volatile boolean failed;

  private SandboxDirectory(SharedIndexInformer<Sandbox> informer) {
    this.informer = informer;
  }

  /**
   * Starts watching sandboxes and blocks until the initial list is cached.
   *
   * @param namespace the namespace to watch, or null for all namespaces
   * @throws RouterStartException if the list or watch fails or does not complete in time
   */
  public static SandboxDirectory start(KubernetesClient client, String namespace, Duration syncTimeout) {
    MixedOperation<Sandbox, KubernetesResourceList<Sandbox>, Resource<Sandbox>> sandboxes =
        client.resources(Sandbox.class);
    SharedIndexInformer<Sandbox> informer = namespace == null
        ? sandboxes.inAnyNamespace().runnableInformer(0)
        : sandboxes.inNamespace(namespace).runnableInformer(0);
    String scope = namespace == null ? "all namespaces" : "namespace '" + namespace + "'";
    SandboxDirectory directory = new SandboxDirectory(informer);
    try {
      informer.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      informer.close();
      throw new RouterStartException("Interrupted while listing Sandboxes in " + scope, e);
    } catch (ExecutionException | TimeoutException e) {
      informer.close();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new RouterStartException("Could not list and watch Sandboxes (" + Sandbox.GROUP + "/" + Sandbox.VERSION
          + ") in " + scope + " within " + syncTimeout + ": " + cause
          + ". Check that the agent-sandbox CRDs are installed and that the router may list and watch sandboxes.",
          cause);
    }
    informer.stopped().whenComplete((ignored, error) -> {
      if (error != null) {
        directory.failed = true;
        LOG.error("Sandbox watch in {} stopped; the router no longer sees sandbox changes", scope, error);
      }
    });
    LOG.info("Watching Sandboxes in {}: {} cached", scope, informer.getStore().list().size());
    return directory;
  }

  /** Returns the cached sandbox, or null if it is unknown. Never blocks. */
  public Sandbox find(String namespace, String name) {
    return informer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  /** False once the watch has stopped for good, after which the cache goes stale. */
  public boolean isHealthy() {
    return !failed;
  }

  /** Stops the watch. Idempotent. */
  @Override
  public void close() {
    informer.close();
  }
}
