package dev.agentsandbox.model.internal;

/**
 * Names and numbers of the sandbox router protocol and the runtime behind it, shared by the
 * client, the router and the embedded cluster.
 */
public final class RouterProtocol {
  /** Request header naming the sandbox (its {@code status.sandbox.name}); required. */
  public static final String HEADER_SANDBOX_ID = "X-Sandbox-ID";
  /** Request header naming the sandbox's namespace. */
  public static final String HEADER_SANDBOX_NAMESPACE = "X-Sandbox-Namespace";
  /** Request header with the runtime port in the sandbox's pod. */
  public static final String HEADER_SANDBOX_PORT = "X-Sandbox-Port";
  /** Request header with the seconds the router may wait for the runtime. */
  public static final String HEADER_SANDBOX_TIMEOUT = "X-Sandbox-Timeout";
  /** Request header with a pod IP hint; routers use it only if it is the sandbox's own. */
  public static final String HEADER_SANDBOX_POD_IP = "X-Sandbox-Pod-IP";
  /** Prefix shared by the routing headers, which routers strip before forwarding. */
  public static final String HEADER_PREFIX = "X-Sandbox-";

  /** Name of the router's Service, as the tutorial deploys it. */
  public static final String ROUTER_SERVICE = "sandbox-router-svc";
  /** Port of the router's Service and pods. */
  public static final int ROUTER_PORT = 8080;
  /** Port of the sandbox runtime in a sandbox pod. */
  public static final int RUNTIME_PORT = 8888;
  /**
   * Start of the {@code detail} of a router's 502 when it could not connect to the sandbox, so
   * forwarded nothing; the sandbox's name follows.
   */
  public static final String COULD_NOT_CONNECT = "Could not connect to the backend sandbox: ";

  private RouterProtocol() {
  }
}
