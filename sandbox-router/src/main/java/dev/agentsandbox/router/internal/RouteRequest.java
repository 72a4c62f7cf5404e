package dev.agentsandbox.router.internal;

/**
 * The validated routing headers of one request.
 *
 * @param namespace namespace of the sandbox
 * @param sandboxId name of the sandbox
 * @param port runtime port inside the sandbox
 * @param timeoutMillis upstream timeout for this request, already capped by the router's
 * @param podIpHint the client's pod IP hint, a valid IP literal, or null
 */
public record RouteRequest(String namespace, String sandboxId, int port, long timeoutMillis, String podIpHint) {
}
