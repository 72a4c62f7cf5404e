package dev.agentsandbox.controller.internal;

import java.util.List;
import java.util.Set;

/**
 * Every API call the controller makes, as RBAC grants: the source of truth for the ClusterRoles
 * in {@code deploy/10-rbac.yaml}, which a test keeps equal to this list. Whoever adds a call to a
 * reconciler adds it here (and to the manifest).
 */
public final class ControllerPermissions {
  /** The ClusterRole always bound: the Sandbox reconciler and leader election. */
  public static final String CORE_ROLE = "agent-sandbox-controller";
  /** The ClusterRole for the reconcilers that run with {@code --extensions}. */
  public static final String EXTENSIONS_ROLE = "agent-sandbox-controller-extensions";

  /** One grant: verbs on a resource (or subresource, {@code sandboxes/status}) of an API group. */
  public record Grant(String role, String group, String resource, Set<String> verbs, String why) {
  }

  /** All grants, by role. */
  public static final List<Grant> GRANTS = List.of(
      // Sandbox reconciler: informers list and watch; S5 create (get after AlreadyExists),
      // S6 merge-patch metadata, S8 delete on suspend.
      new Grant(CORE_ROLE, "", "pods", Set.of("get", "list", "watch", "create", "patch", "delete"),
          "Sandbox pods"),
      // S9: create, adopt or repair with update, delete when service=false.
      new Grant(CORE_ROLE, "", "services", Set.of("get", "list", "watch", "create", "update", "delete"),
          "Sandbox headless Services"),
      // S3: create, read, adopt with update; never deleted.
      new Grant(CORE_ROLE, "", "persistentvolumeclaims", Set.of("get", "create", "update"),
          "Sandbox PVCs"),
      // Primary informer; merge patch of the pod-name annotation; get when a status update
      // conflicts; S14 delete of an expired Sandbox with policy Delete.
      new Grant(CORE_ROLE, "agents.x-k8s.io", "sandboxes", Set.of("get", "list", "watch", "patch",
          "delete"), "Sandbox reconciler primary"),
      new Grant(CORE_ROLE, "agents.x-k8s.io", "sandboxes/status", Set.of("patch"), "Sandbox status"),
      // Leader election: read, create, renew (merge patch) and release (update) the Lease.
      new Grant(CORE_ROLE, "coordination.k8s.io", "leases", Set.of("get", "create", "update", "patch"),
          "leader election"),

      // Claim reconciler: cold create (get after AlreadyExists), C6 metadata sync with update,
      // C8 adoption with a merge patch, C12 delete of the Sandbox of an expired Retain claim.
      // Pool reconciler: W3 create, W2 orphan adoption with update, W5-W7 delete.
      new Grant(EXTENSIONS_ROLE, "agents.x-k8s.io", "sandboxes", Set.of("get", "list", "watch", "create", "update",
          "patch", "delete"), "claim and pool Sandboxes"),
      // Primary informer; merge patch of the first-observed annotation; get when a status update
      // conflicts; C12 delete of an expired claim.
      new Grant(EXTENSIONS_ROLE, "extensions.agents.x-k8s.io", "sandboxclaims", Set.of("get", "list", "watch",
          "patch", "delete"), "claim reconciler primary"),
      new Grant(EXTENSIONS_ROLE, "extensions.agents.x-k8s.io", "sandboxclaims/status", Set.of("patch"),
          "claim status"),
      new Grant(EXTENSIONS_ROLE, "extensions.agents.x-k8s.io", "sandboxtemplates", Set.of("list", "watch"),
          "templates read from the informer cache"),
      // Pool reconciler primary; get when a status update conflicts.
      new Grant(EXTENSIONS_ROLE, "extensions.agents.x-k8s.io", "sandboxwarmpools", Set.of("get", "list", "watch"),
          "warm pool reconciler primary"),
      new Grant(EXTENSIONS_ROLE, "extensions.agents.x-k8s.io", "sandboxwarmpools/status", Set.of("patch"),
          "warm pool status"),
      // T2-T5 managed NetworkPolicies (informer, create, update, delete when Unmanaged) and the
      // C3 cleanup of legacy per-claim policies.
      new Grant(EXTENSIONS_ROLE, "networking.k8s.io", "networkpolicies", Set.of("get", "list", "watch",
          "create", "update", "delete"), "template NetworkPolicies"),
      // X2 claim events.
      new Grant(EXTENSIONS_ROLE, "events.k8s.io", "events", Set.of("create"), "claim events"));

  private ControllerPermissions() {
  }
}
