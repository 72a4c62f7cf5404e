package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.NoDelayHttpClientFactory;
import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxMetrics;
import dev.agentsandbox.client.SandboxTracing;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A {@link SandboxFleet} from {@code agent-sandbox.*} properties, with Micrometer metrics and
 * OpenTelemetry tracing when those are in the application, and a {@link KubernetesClient} from
 * the usual kubeconfig or service account unless the application has one. When the application
 * stops, the fleet deletes the sandboxes it created ({@code agent-sandbox.terminate-on-shutdown}),
 * after the web server has finished its requests.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnClass(SandboxFleet.class)
@ConditionalOnBooleanProperty(name = "agent-sandbox.enabled", matchIfMissing = true)
@EnableConfigurationProperties(AgentSandboxProperties.class)
public class AgentSandboxAutoConfiguration {

  /**
   * The Kubernetes client the fleet uses, unless the application defines one.
   *
   * @return a client from the kubeconfig, or the pod's service account
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public KubernetesClient agentSandboxKubernetesClient() {
    return new KubernetesClientBuilder().withHttpClientFactory(new NoDelayHttpClientFactory()).build();
  }

  /**
   * The fleet, unless the application defines one.
   *
   * @param properties the {@code agent-sandbox.*} properties
   * @param client the Kubernetes client
   * @param customizers adjust the fleet: metrics, tracing, the application's own
   * @return the fleet; closed by {@link SandboxFleetLifecycle}
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public SandboxFleet sandboxFleet(AgentSandboxProperties properties, KubernetesClient client,
      ObjectProvider<SandboxFleetCustomizer> customizers) {
    AgentSandboxProperties.Retry retry = properties.retry();
    SandboxFleet.Builder fleet = SandboxFleet.builder()
        .kubernetesClient(client)
        .connection(connection(properties.connection()))
        .readyTimeout(properties.readyTimeout())
        .connectTimeout(properties.connectTimeout())
        .readTimeout(properties.readTimeout())
        .runTimeout(properties.runTimeout())
        .retryPolicy(retry.maxAttempts() <= 1 ? RetryPolicy.none()
            : RetryPolicy.of(retry.maxAttempts(), retry.initialBackoff(), retry.maxBackoff()))
        // The application context's lifecycle ends the fleet, not a JVM shutdown hook.
        .terminateOnShutdown(false)
        .keepClaimsOnClose(!properties.terminateOnShutdown());
    if (properties.namespace() != null) {
      fleet.namespace(properties.namespace());
    }
    customizers.orderedStream().forEach(c -> c.customize(fleet));
    return fleet.build();
  }

  /**
   * Closes the fleet when the application stops, after the web server's graceful shutdown.
   *
   * @param fleet the fleet
   * @return the lifecycle
   */
  @Bean
  @ConditionalOnMissingBean
  public SandboxFleetLifecycle sandboxFleetLifecycle(SandboxFleet fleet) {
    return new SandboxFleetLifecycle(fleet);
  }

  static ConnectionMode connection(AgentSandboxProperties.Connection connection) {
    String token = connection.routerToken();
    switch (connection.mode().toLowerCase(Locale.ROOT)) {
      case "tunnel": {
        ConnectionMode.Tunnel tunnel = connection.routerNamespace() == null
            ? ConnectionMode.tunnel() : ConnectionMode.tunnel(connection.routerNamespace());
        return token == null ? tunnel : tunnel.withAuthToken(token);
      }
      case "gateway": {
        if (connection.gatewayName() == null) {
          throw new IllegalArgumentException("agent-sandbox.connection.mode=gateway needs "
              + "agent-sandbox.connection.gateway-name");
        }
        ConnectionMode.Gateway gateway = connection.gatewayNamespace() == null
            ? ConnectionMode.gateway(connection.gatewayName())
            : ConnectionMode.gateway(connection.gatewayName(), connection.gatewayNamespace());
        return token == null ? gateway : gateway.withAuthToken(token);
      }
      case "direct": {
        if (connection.url() == null) {
          throw new IllegalArgumentException("agent-sandbox.connection.mode=direct needs "
              + "agent-sandbox.connection.url");
        }
        ConnectionMode.Direct direct = ConnectionMode.direct(connection.url());
        return token == null ? direct : direct.withAuthToken(token);
      }
      case "in-cluster":
        return ConnectionMode.inCluster();
      default:
        throw new IllegalArgumentException("agent-sandbox.connection.mode must be tunnel, "
            + "gateway, direct or in-cluster, got '" + connection.mode() + "'");
    }
  }

  /** Micrometer metrics for the fleet, when Micrometer and a registry are there. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static class MicrometerConfiguration {
    @Bean
    SandboxFleetCustomizer agentSandboxMetrics(
        ObjectProvider<io.micrometer.core.instrument.MeterRegistry> registry) {
      return fleet -> registry.ifUnique(r -> fleet.metrics(SandboxMetrics.micrometer(r)));
    }
  }

  /** OpenTelemetry tracing for the fleet, when OpenTelemetry is there. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.opentelemetry.api.OpenTelemetry")
  static class OpenTelemetryConfiguration {
    @Bean
    SandboxFleetCustomizer agentSandboxTracing(
        ObjectProvider<io.opentelemetry.api.OpenTelemetry> openTelemetry) {
      return fleet -> openTelemetry.ifUnique(o -> fleet.tracing(SandboxTracing.openTelemetry(o)));
    }
  }
}
