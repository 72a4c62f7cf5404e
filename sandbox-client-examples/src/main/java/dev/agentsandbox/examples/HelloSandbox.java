package dev.agentsandbox.examples;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.local.LocalSandboxCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.util.Map;

/**
 * The getting-started flow: claim a sandbox from the {@code python-runtime-template}, run a
 * command in it, and release it.
 *
 * <p>By default it starts an embedded {@link LocalSandboxCluster} (nothing to install) and
 * applies the tutorial's template to it. With {@code --kubeconfig FILE} and/or
 * {@code --context NAME} it uses that real cluster instead, which must already run the
 * agent-sandbox controller, the router ({@code sandbox-router-svc}) and the template.
 *
 * <pre>
 * usage: HelloSandbox [--kubeconfig FILE] [--context NAME] [--namespace NS] [--template NAME]
 * </pre>
 */
public final class HelloSandbox {
  private HelloSandbox() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    ExampleOptions options = ExampleOptions.parse(
        "HelloSandbox [--kubeconfig FILE] [--context NAME] [--namespace NS] [--template NAME]", args,
        Map.of("--namespace", "default", "--template", "python-runtime-template"));
    if (options == null) {
      return;
    }
    String namespace = options.get("--namespace");
    String template = options.get("--template");
    if (!options.realCluster()) {
      try (LocalSandboxCluster cluster = LocalSandboxCluster.start();
          InputStream yaml = HelloSandbox.class.getResourceAsStream("/python-runtime-template.yaml")) {
        cluster.apply(yaml);
        if (!cluster.commandsIsolated()) {
          System.err.println("Note: bubblewrap is not available, so sandbox commands run as plain processes"
              + " with your user's access; install it (apt-get install bubblewrap) to isolate them.");
        }
        // The embedded cluster's router requires the token it made for itself.
        hello(cluster.client(), cluster.tunnel(), namespace, template);
      }
    } else {
      try (KubernetesClient client = options.realClusterClient()) {
        hello(client, tunnelWithTokenFromEnvironment(), namespace, template);
      }
    }
  }

  /** The default tunnel, with the router's token from {@code SANDBOX_ROUTER_TOKEN} when set. */
  private static ConnectionMode tunnelWithTokenFromEnvironment() {
    String token = System.getenv("SANDBOX_ROUTER_TOKEN");
    return token == null || token.isBlank() ? ConnectionMode.tunnel() : ConnectionMode.tunnel().withAuthToken(token.strip());
  }

  private static void hello(KubernetesClient client, ConnectionMode connection, String namespace, String template) {
    try (SandboxClient sandbox = SandboxClient.builder()
        .kubernetesClient(client)
        .connection(connection)
        .templateName(template)
        .namespace(namespace)
        .build()) {
      System.out.println(sandbox.run("echo 'Hello from the sandboxed environment!'").stdout());
    }
  }
}
