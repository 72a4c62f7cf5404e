package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.SandboxKeys;
import dev.agentsandbox.model.internal.NameHash;
import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxTemplate;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPool;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPoolSpec;
import dev.agentsandbox.model.v1alpha1.SandboxWarmPoolStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a SandboxWarmPool: keeps {@code spec.replicas} Sandboxes of its template ready for
 * claims to adopt (spec W1-W9). Event driven only: the pool's Sandboxes (by the pool label,
 * so a Sandbox a claim adopts leaves the informer and reconciles its former pool) and the
 * referenced template trigger it; nothing is polled.
 */
@ControllerConfiguration(name = WarmPoolReconciler.NAME, generationAwareEventProcessing = false)
public final class WarmPoolReconciler implements Reconciler<SandboxWarmPool> {
  /** Controller name. */
  public static final String NAME = "warmpool-controller";
  private static final String TEMPLATE_INDEX = "spec.sandboxTemplateRef.name";
  private static final String HASH_INDEX = "pool-name-hash";
  private static final String POOL_KIND = HasMetadata.getKind(SandboxWarmPool.class);
  private static final Logger log = LoggerFactory.getLogger(WarmPoolReconciler.class);
  /** The pause before a reconcile that wrote Sandboxes counts them again. */
  private static final Duration AFTER_WRITES = Duration.ofMillis(1);

  private final Clock clock;
  private volatile InformerEventSource<Sandbox, SandboxWarmPool> sandboxes;
  private volatile InformerEventSource<SandboxTemplate, SandboxWarmPool> templates;
  /**
   * Writes whose watch events the informer has not delivered yet, per pool: names created and
   * UIDs deleted. Without them a reconcile right after another would count from a cache that
   * lags behind its own writes, and create or delete twice.
   */
  private final Map<ResourceID, Expectations> expectations = new ConcurrentHashMap<>();

  private static final class Expectations {
    final Set<String> created = ConcurrentHashMap.newKeySet();
    final Set<String> deleted = ConcurrentHashMap.newKeySet();
  }

  /** Creates the reconciler. */
  public WarmPoolReconciler() {
    this(Clock.systemUTC());
  }

  /** Creates the reconciler; {@code clock} tells when a member is stuck (W6). */
  WarmPoolReconciler(Clock clock) {
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, SandboxWarmPool>> prepareEventSources(EventSourceContext<SandboxWarmPool> context) {
    var pools = context.getPrimaryCache();
    pools.addIndexer(TEMPLATE_INDEX, pool -> {
      String template = templateName(pool);
      return template == null ? List.of() : List.of(key(pool.getMetadata().getNamespace(), template));
    });
    pools.addIndexer(HASH_INDEX, pool -> List.of(
        key(pool.getMetadata().getNamespace(), NameHash.of(pool.getMetadata().getName()))));
    sandboxes = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Sandbox.class, SandboxWarmPool.class)
            .withName("pool-sandboxes")
            .withLabelSelector(SandboxKeys.WARM_POOL_SANDBOX)
            .withSecondaryToPrimaryMapper((Sandbox sandbox) -> {
              Optional<OwnerReference> controller = ControllerReferences.controllerOf(sandbox);
              String namespace = sandbox.getMetadata().getNamespace();
              if (controller.isPresent()) {
                return POOL_KIND.equals(controller.get().getKind())
                    ? Set.of(new ResourceID(controller.get().getName(), namespace))
                    : Set.of();
              }
              // W2: an orphan belongs to the pools whose name hash it carries.
              String hash = SandboxPods.orEmpty(sandbox.getMetadata().getLabels()).get(SandboxKeys.WARM_POOL_SANDBOX);
              return pools.byIndex(HASH_INDEX, key(namespace, hash)).stream()
                  .map(ResourceID::fromResource)
                  .collect(Collectors.toSet());
            })
            .build(),
        context);
    templates = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(SandboxTemplate.class, SandboxWarmPool.class)
            .withName("pool-templates")
            .withSecondaryToPrimaryMapper((SandboxTemplate template) -> pools
                .byIndex(TEMPLATE_INDEX, key(template.getMetadata().getNamespace(), template.getMetadata().getName()))
                .stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet()))
            .build(),
        context);
    return List.of(sandboxes, templates);
  }

  @Override
  public UpdateControl<SandboxWarmPool> reconcile(SandboxWarmPool pool, Context<SandboxWarmPool> context) {
    return LiveResources.reconcile(pool, log, () -> reconcileActive(pool, context),
        () -> expectations.remove(ResourceID.fromResource(pool)));
  }

  private UpdateControl<SandboxWarmPool> reconcileActive(SandboxWarmPool pool, Context<SandboxWarmPool> context) {
    KubernetesClient client = context.getClient();
    String namespace = pool.getMetadata().getNamespace();
    Expectations expected = expectations.computeIfAbsent(ResourceID.fromResource(pool), id -> new Expectations());

    List<Sandbox> members = new ArrayList<>();
    Set<Sandbox> orphans = new HashSet<>();
    for (Sandbox sandbox : candidates(pool, expected)) {
      if (sandbox.isMarkedForDeletion()) {
        continue;
      }
      Optional<OwnerReference> controller = ControllerReferences.controllerOf(sandbox);
      if (controller.isEmpty()) {
        orphans.add(sandbox);
      } else if (!ControllerReferences.isControlledBy(sandbox, pool)) {
        continue; // W2: someone else's
      }
      members.add(sandbox);
    }
    int observed = members.size();
    int ready = (int) members.stream().filter(PoolSandboxes::ready).count();

    List<Sandbox> adopted = new ArrayList<>();
    for (Sandbox orphan : orphans) {
      Sandbox owned = adoptOrphan(orphan, pool, client);
      members.set(members.indexOf(orphan), owned);
      adopted.add(owned);
    }

    SandboxTemplate template = templateName(pool) == null
        ? null
        : templates.get(new ResourceID(templateName(pool), namespace)).orElse(null);
    Instant now = clock.instant();
    List<Sandbox> doomed = new ArrayList<>();
    if (template != null) {
      String hash = PoolSandboxes.podTemplateHash(template);
      boolean recreate = PoolSandboxes.recreate(pool);
      for (Sandbox member : members) {
        boolean wasOrphan = adopted.stream().anyMatch(a -> a.getMetadata().getUid().equals(member.getMetadata().getUid()));
        if ((recreate || wasOrphan) && PoolSandboxes.stale(member, template, hash)) {
          doomed.add(member);
        }
      }
    }
    for (Sandbox member : members) {
      if (!doomed.contains(member) && PoolSandboxes.stuck(member, now)) {
        doomed.add(member);
      }
    }
    members.removeAll(doomed);

    int wanted = replicas(pool);
    int missing = wanted - members.size();
    if (missing < 0) {
      List<Sandbox> byPriority = new ArrayList<>(members);
      byPriority.sort(PoolSandboxes.scaleDownOrder());
      doomed.addAll(byPriority.subList(0, members.size() - wanted));
    }
    for (Sandbox sandbox : doomed) {
      delete(sandbox, client, expected);
    }
    if (template != null) {
      for (int i = 0; i < missing; i++) {
        create(pool, template, client, expected);
      }
    }

    SandboxWarmPoolStatus status = PoolSandboxes.status(pool, observed, ready);
    KubernetesWrites.writeStatus(pool, context, SandboxWarmPool::getStatus, status);
    // W8 counts the members before this reconcile's writes. The watch events of the Sandboxes
    // just created are ones the informer recognises as this controller's own and does not pass
    // on, so nothing else would bring the count up to date.
    boolean created = template != null && missing > 0;
    return created || !doomed.isEmpty()
        ? UpdateControl.<SandboxWarmPool>noUpdate().rescheduleAfter(AFTER_WRITES)
        : UpdateControl.noUpdate();
  }

  /**
   * The Sandboxes labelled with this pool's hash, as the cache shows them corrected by the
   * writes it has not caught up with.
   */
  private List<Sandbox> candidates(SandboxWarmPool pool, Expectations expected) {
    String namespace = pool.getMetadata().getNamespace();
    String hash = NameHash.of(pool.getMetadata().getName());
    Map<String, Sandbox> byName = new HashMap<>();
    sandboxes.list(namespace, s -> hash.equals(SandboxPods.orEmpty(s.getMetadata().getLabels())
            .get(SandboxKeys.WARM_POOL_SANDBOX)))
        .forEach(s -> byName.put(s.getMetadata().getName(), s));
    for (String name : expected.created) {
      if (byName.containsKey(name)) {
        expected.created.remove(name);
        continue;
      }
      // Still in JOSDK's temporary cache: created, not yet seen. Gone from it: seen and removed.
      Optional<Sandbox> recent = sandboxes.get(new ResourceID(name, namespace));
      if (recent.isPresent()) {
        byName.put(name, recent.get());
      } else {
        expected.created.remove(name);
      }
    }
    Set<String> listedUids = byName.values().stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
    expected.deleted.retainAll(listedUids);
    return byName.values().stream()
        .filter(s -> !expected.deleted.contains(s.getMetadata().getUid()))
        .collect(Collectors.toList());
  }

  /** W2: an unowned Sandbox carrying the pool's label becomes the pool's. */
  private Sandbox adoptOrphan(Sandbox orphan, SandboxWarmPool pool, KubernetesClient client) {
    Sandbox owned = Serialization.clone(orphan);
    ControllerReferences.add(owned, pool);
    // Optimistic locking: a claim adopting the same Sandbox meanwhile makes this fail and retry.
    Sandbox written = client.resources(Sandbox.class).inNamespace(orphan.getMetadata().getNamespace())
        .resource(owned).update();
    sandboxes.handleRecentResourceUpdate(ResourceID.fromResource(written), written, orphan);
    log.info("Warm pool {}/{} adopted orphaned Sandbox {}", pool.getMetadata().getNamespace(),
        pool.getMetadata().getName(), orphan.getMetadata().getName());
    return written;
  }

  private void create(SandboxWarmPool pool, SandboxTemplate template, KubernetesClient client,
      Expectations expected) {
    Sandbox created = client.resources(Sandbox.class).inNamespace(pool.getMetadata().getNamespace())
        .resource(PoolSandboxes.desired(pool, template)).create();
    expected.created.add(created.getMetadata().getName());
    sandboxes.handleRecentResourceCreate(ResourceID.fromResource(created), created);
    log.debug("Warm pool {}/{} created Sandbox {}", pool.getMetadata().getNamespace(), pool.getMetadata().getName(),
        created.getMetadata().getName());
  }

  private void delete(Sandbox sandbox, KubernetesClient client, Expectations expected) {
    try {
      // The precondition keeps a Sandbox a claim adopted after our read from being deleted.
      client.resources(Sandbox.class).inNamespace(sandbox.getMetadata().getNamespace())
          .withName(sandbox.getMetadata().getName())
          .lockResourceVersion(sandbox.getMetadata().getResourceVersion())
          .delete();
      expected.deleted.add(sandbox.getMetadata().getUid());
      log.debug("Deleted warm Sandbox {}/{}", sandbox.getMetadata().getNamespace(), sandbox.getMetadata().getName());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        throw e;
      }
      // Gone or changed meanwhile: its watch event reconciles the pool again.
    }
  }

  private static int replicas(SandboxWarmPool pool) {
    SandboxWarmPoolSpec spec = pool.getSpec();
    return spec == null || spec.replicas() == null ? 0 : Math.max(0, spec.replicas());
  }

  private static String templateName(SandboxWarmPool pool) {
    if (pool.getSpec() == null || pool.getSpec().sandboxTemplateRef() == null) {
      return null;
    }
    String name = pool.getSpec().sandboxTemplateRef().name();
    return name == null || name.isEmpty() ? null : name;
  }

  private static String key(String namespace, String value) {
    return namespace + "/" + value;
  }
}
