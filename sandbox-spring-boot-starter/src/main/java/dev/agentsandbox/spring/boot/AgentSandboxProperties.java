package dev.agentsandbox.spring.boot;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the auto-configured {@link dev.agentsandbox.client.SandboxFleet}, under
 * {@code agent-sandbox.*}.
 *
 * @param enabled whether to configure a fleet at all
 * @param namespace namespace of the sandboxes; the Kubernetes client's when unset
 * @param template the SandboxTemplate the tool callbacks' sandbox is made from
 * @param warmPool the SandboxWarmPool the tool callbacks' sandbox is taken from
 * @param connection how sandboxes are reached
 * @param readyTimeout how long creating a sandbox waits for it to be ready
 * @param connectTimeout how long connecting to a sandbox may take
 * @param readTimeout how long a sandbox may take to answer a request
 * @param runTimeout how long a command may run unless told otherwise
 * @param retry how failed requests are retried
 * @param terminateOnShutdown whether the sandboxes the fleet created are deleted when the
 *     application stops
 * @param conversationIdleTimeout how long a conversation's sandbox of the tool callbacks is kept
 *     after the conversation's last tool call; {@code 0} keeps it until released
 * @since 0.1.0
 */
@ConfigurationProperties("agent-sandbox")
public record AgentSandboxProperties(
    @DefaultValue("true") boolean enabled,
    @Nullable String namespace,
    @Nullable String template,
    @Nullable String warmPool,
    @DefaultValue Connection connection,
    @DefaultValue("180s") Duration readyTimeout,
    @DefaultValue("10s") Duration connectTimeout,
    @DefaultValue("60s") Duration readTimeout,
    @DefaultValue("180s") Duration runTimeout,
    @DefaultValue Retry retry,
    @DefaultValue("true") boolean terminateOnShutdown,
    @DefaultValue("30m") Duration conversationIdleTimeout) {

  /**
   * How sandboxes are reached.
   *
   * @param mode {@code tunnel} (a port-forward to the sandbox router, the default),
   *     {@code gateway}, {@code direct} or {@code in-cluster}
   * @param routerNamespace tunnel: the router's namespace; the sandbox's, then
   *     {@code agent-sandbox-system}, when unset
   * @param gatewayName gateway: the Gateway's name
   * @param gatewayNamespace gateway: the Gateway's namespace; the sandbox's when unset
   * @param url direct: the router's URL
   * @param routerToken the router's bearer token, sent in tunnel, gateway and direct modes
   */
  public record Connection(
      @DefaultValue("tunnel") String mode,
      @Nullable String routerNamespace,
      @Nullable String gatewayName,
      @Nullable String gatewayNamespace,
      @Nullable String url,
      @Nullable String routerToken) {
  }

  /**
   * How failed requests are retried.
   *
   * @param maxAttempts attempts in all, 1 for no retries
   * @param initialBackoff the wait before the first retry
   * @param maxBackoff the longest wait between retries
   */
  public record Retry(
      @DefaultValue("4") int maxAttempts,
      @DefaultValue("100ms") Duration initialBackoff,
      @DefaultValue("2s") Duration maxBackoff) {
  }
}
