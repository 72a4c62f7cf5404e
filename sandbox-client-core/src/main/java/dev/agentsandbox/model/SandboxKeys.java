package dev.agentsandbox.model;

/**
 * Label and annotation keys of the agent-sandbox protocol. Values marked "hash" are the FNV-1a
 * (32 bit) hash of the UTF-8 bytes of the named resource's name, as eight lowercase hex digits.
 *
 * @since 0.1.0
 */
public final class SandboxKeys {
  /** Prefix of every agent-sandbox label and annotation key. */
  public static final String PREFIX = "agents.x-k8s.io/";

  /** Label on a Sandbox's pod, service and PVCs: hash of the sandbox name. */
  public static final String SANDBOX_NAME_HASH = PREFIX + "sandbox-name-hash";
  /** Label on warm pool sandboxes: hash of the pool name. */
  public static final String WARM_POOL_SANDBOX = PREFIX + "warm-pool-sandbox";
  /** Label: hash of the template name. */
  public static final String TEMPLATE_REF_HASH = PREFIX + "sandbox-template-ref-hash";
  /** Label on warm pool sandboxes: hash of the template's pod template. */
  public static final String POD_TEMPLATE_HASH = PREFIX + "sandbox-pod-template-hash";
  /** Label on sandboxes created for a claim: the claim's UID. */
  public static final String CLAIM_UID = PREFIX + "claim-uid";
  /** Label on a claim: the name of the sandbox it adopted. */
  public static final String SANDBOX_NAME = PREFIX + "sandbox-name";
  /** Label a client puts on its claims: who created it. */
  public static final String CREATED_BY = PREFIX + "created-by";

  /** Annotation on a Sandbox: the name of its pod. */
  public static final String POD_NAME = PREFIX + "pod-name";
  /** Annotation on a Sandbox: the template it was made from. */
  public static final String TEMPLATE_REF = PREFIX + "sandbox-template-ref";
  /** Annotation on a pod: the label keys copied from the pod template. */
  public static final String PROPAGATED_LABELS = PREFIX + "propagated-labels";
  /** Annotation on a pod: the annotation keys copied from the pod template. */
  public static final String PROPAGATED_ANNOTATIONS = PREFIX + "propagated-annotations";
  /** Annotation a controller puts on a claim when it first sees it. */
  public static final String CONTROLLER_FIRST_OBSERVED_AT = PREFIX + "controller-first-observed-at";
  /** Annotation a client puts on a claim: when the sandbox was requested (RFC 3339, UTC). */
  public static final String CLIENT_FIRST_REQUESTED_AT = PREFIX + "client-first-requested-at";
  /** Annotation carrying W3C trace context as JSON. */
  public static final String TRACE_CONTEXT = "opentelemetry.io/trace-context";

  /** Condition type that tells whether a sandbox or claim is usable. */
  public static final String CONDITION_READY = "Ready";
  /** Condition type set when the sandbox's pod has terminated. */
  public static final String CONDITION_FINISHED = "Finished";

  private SandboxKeys() {
  }
}
