package dev.agentsandbox.controller.internal;

import dev.agentsandbox.model.v1alpha1.SandboxClaim;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the claim controller's events (spec X2) as {@code events.k8s.io/v1} Events about the
 * claim. Events are written in the background, in order, by one thread that ends when idle: a
 * reconcile never waits for them, and a failed write is only logged.
 */
final class ClaimEvents {
  static final String REPORTING_CONTROLLER = SandboxClaimReconciler.NAME;
  static final String TYPE_NORMAL = "Normal";
  private static final Logger log = LoggerFactory.getLogger(ClaimEvents.class);
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

  private final String reportingInstance;
  private final ExecutorService writer = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "sandboxclaim-events");
        t.setDaemon(true);
        return t;
      });

  ClaimEvents() {
    String host = System.getenv("HOSTNAME");
    this.reportingInstance = REPORTING_CONTROLLER + "-" + (host == null || host.isEmpty() ? "local" : host);
  }

  /** C5: a Sandbox was created for the claim. */
  void sandboxProvisioned(KubernetesClient client, SandboxClaim claim, String sandbox) {
    record(client, claim, "SandboxProvisioned", "Provisioning", "Created Sandbox \"" + sandbox + "\"");
  }

  /** C8: a warm pool Sandbox was adopted by the claim. */
  void sandboxAdopted(KubernetesClient client, SandboxClaim claim, String sandbox) {
    record(client, claim, "SandboxAdopted", "Adoption", "Adopted warm pool Sandbox \"" + sandbox + "\"");
  }

  /** C12: the claim has just been marked expired. */
  void claimExpired(KubernetesClient client, SandboxClaim claim) {
    record(client, claim, ClaimExpiry.REASON_EXPIRED, "Claim Expired", "Claim expired");
  }

  /** C12: the expired claim is being deleted under {@code policy}. */
  void deletingClaim(KubernetesClient client, SandboxClaim claim, String policy) {
    record(client, claim, ClaimExpiry.REASON_EXPIRED, "Deleting", "Deleting Claim (ShutdownPolicy=" + policy + ")");
  }

  private void record(KubernetesClient client, SandboxClaim claim, String reason, String action, String note) {
    Event event = event(claim, reason, action, note, Instant.now(), reportingInstance);
    try {
      writer.execute(() -> write(client, event));
    } catch (RejectedExecutionException e) {
      log.debug("Event {} about claim {} dropped: {}", reason, claim.getMetadata().getName(), e.toString());
    }
  }

  /**
   * Takes no more events and waits up to {@code timeout} for the queued ones to be written, so
   * that a caller closing the client next does not cut them off.
   */
  void close(Duration timeout) {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Claim events still unwritten after {}; dropping them", timeout);
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static void write(KubernetesClient client, Event event) {
    try {
      client.events().v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      log.warn("Cannot record event {} about {}: {}", event.getReason(), event.getRegarding().getName(), e.getMessage());
    }
  }

  /** The Event for one occurrence, named like client-go names them: {@code <claim>.<hex nanos>}. */
  static Event event(SandboxClaim claim, String reason, String action, String note, Instant now, String instance) {
    Objects.requireNonNull(claim.getMetadata().getName(), "claim name");
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return new EventBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(claim.getMetadata().getName() + "." + Long.toHexString(nanos))
            .withNamespace(claim.getMetadata().getNamespace())
            .build())
        .withEventTime(new MicroTime(MICRO_TIME.format(now)))
        .withReportingController(REPORTING_CONTROLLER)
        .withReportingInstance(instance)
        .withType(TYPE_NORMAL)
        .withReason(reason)
        .withAction(action)
        .withNote(note)
        .withRegarding(new ObjectReferenceBuilder()
            .withApiVersion(claim.getApiVersion())
            .withKind(claim.getKind())
            .withName(claim.getMetadata().getName())
            .withNamespace(claim.getMetadata().getNamespace())
            .withUid(claim.getMetadata().getUid())
            .withResourceVersion(claim.getMetadata().getResourceVersion())
            .build())
        .build();
  }
}
