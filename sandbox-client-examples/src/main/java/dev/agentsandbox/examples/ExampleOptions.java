package dev.agentsandbox.examples;

import dev.agentsandbox.client.NoDelayHttpClientFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of an example: {@code --option value} pairs with defaults, {@code --help},
 * and whether a real cluster was named ({@code --kubeconfig} or {@code --context}).
 */
final class ExampleOptions {
  private final Map<String, String> values;

  private ExampleOptions(Map<String, String> values) {
    this.values = values;
  }

  /**
   * Parses {@code args} against {@code defaults}, whose keys are the options an example knows
   * (a null default: unset unless given).
   *
   * @return the options, or null after printing {@code usage} for {@code --help}
   * @throws IllegalArgumentException for an unknown option or one without a value
   */
  static ExampleOptions parse(String usage, String[] args, Map<String, String> defaults) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    values.putIfAbsent("--kubeconfig", null);
    values.putIfAbsent("--context", null);
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (option.equals("-h") || option.equals("--help")) {
        System.out.println("usage: " + usage);
        return null;
      }
      if (!values.containsKey(option)) {
        throw new IllegalArgumentException("Unknown option " + option + " (try --help)");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("Missing value for " + option);
      }
      values.put(option, args[++i]);
    }
    return new ExampleOptions(values);
  }

  /** The value of {@code option}, or its default. */
  String get(String option) {
    return values.get(option);
  }

  /** Whether a real cluster was named; otherwise the example starts an embedded one. */
  boolean realCluster() {
    return get("--kubeconfig") != null || get("--context") != null;
  }

  /** A client of the real cluster named by {@code --kubeconfig} and {@code --context}. */
  KubernetesClient realClusterClient() {
    if (get("--kubeconfig") != null) {
      System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, get("--kubeconfig"));
    }
    return new KubernetesClientBuilder().withConfig(Config.autoConfigure(get("--context")))
        .withHttpClientFactory(new NoDelayHttpClientFactory()).build();
  }
}
