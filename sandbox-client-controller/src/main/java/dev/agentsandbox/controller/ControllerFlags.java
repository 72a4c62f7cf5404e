package dev.agentsandbox.controller;

import dev.agentsandbox.controller.internal.EndpointServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command line of {@link SandboxControllerMain}: the reference controller's flags (spec X5),
 * with the same names and defaults, each also settable through an environment variable
 * {@code AGENT_SANDBOX_<FLAG>} (upper case, dashes as underscores); a flag wins over its variable.
 *
 * @param options controller settings (without a meter registry; the program adds its own)
 * @param metricsAddress where {@code /metrics} is served; empty when disabled with {@code 0}
 * @param healthAddress where {@code /healthz} and {@code /readyz} are served; empty when disabled
 * @param kubeApiQps client-side request rate limit; not above 0 means none
 * @param kubeApiBurst requests allowed at once above the rate
 * @param warnings notes about accepted flags that have no effect here
 */
record ControllerFlags(ControllerOptions options, Optional<InetSocketAddress> metricsAddress,
    Optional<InetSocketAddress> healthAddress, double kubeApiQps, int kubeApiBurst, List<String> warnings) {

  static final String ENV_PREFIX = "AGENT_SANDBOX_";

  /** Flag name to default value; booleans are those with a default of true or false. */
  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("cluster-domain", ControllerOptions.DEFAULT_CLUSTER_DOMAIN);
    DEFAULTS.put("metrics-bind-address", ":8080");
    DEFAULTS.put("health-probe-bind-address", ":8081");
    DEFAULTS.put("leader-elect", "true");
    DEFAULTS.put("leader-election-namespace", "");
    DEFAULTS.put("extensions", "false");
    DEFAULTS.put("enable-tracing", "false");
    DEFAULTS.put("enable-pprof", "false");
    DEFAULTS.put("enable-pprof-debug", "false");
    DEFAULTS.put("pprof-block-profile-rate", "1000000");
    DEFAULTS.put("pprof-mutex-profile-fraction", "10");
    DEFAULTS.put("kube-api-qps", "-1");
    DEFAULTS.put("kube-api-burst", "10");
    DEFAULTS.put("sandbox-concurrent-workers", "1");
    DEFAULTS.put("sandbox-claim-concurrent-workers", "1");
    DEFAULTS.put("sandbox-warm-pool-concurrent-workers", "1");
    DEFAULTS.put("sandbox-template-concurrent-workers", "1");
    DEFAULTS.put("namespace", "");
  }

  static final String USAGE = """
      Usage: SandboxControllerMain [flags]
        --cluster-domain=DOMAIN              cluster DNS domain for status.serviceFQDN (cluster.local)
        --metrics-bind-address=ADDR          /metrics address, e.g. :8080 or 127.0.0.1:8080; 0 disables (:8080)
        --health-probe-bind-address=ADDR     /healthz and /readyz address; 0 disables (:8081)
        --leader-elect[=BOOL]                elect a leader through a Lease (true)
        --leader-election-namespace=NS       namespace of the Lease (the pod's namespace)
        --extensions[=BOOL]                  also run the SandboxClaim, SandboxTemplate and SandboxWarmPool
                                             reconcilers (false: Sandbox only)
        --kube-api-qps=QPS                   client-side request rate to the API server; -1 for none (-1)
        --kube-api-burst=N                   requests allowed at once above that rate (10)
        --sandbox-concurrent-workers=N       reconcile workers per reconciler, summed into one pool (1 each)
        --sandbox-claim-concurrent-workers=N
        --sandbox-warm-pool-concurrent-workers=N
        --sandbox-template-concurrent-workers=N
        --namespace=NS[,NS...]               watch only these namespaces; repeatable (all)
        --enable-tracing, --enable-pprof, --enable-pprof-debug, --pprof-block-profile-rate,
        --pprof-mutex-profile-fraction       accepted for compatibility; no effect
      Every flag can also be set with AGENT_SANDBOX_<FLAG> (e.g. AGENT_SANDBOX_KUBE_API_QPS=50).
      """;

  /**
   * Parses flags over environment variables over defaults.
   *
   * @param args {@code --flag=value}, {@code --flag value} (not for booleans) or {@code --flag} for
   *     a boolean; one leading dash works too
   * @param env environment variables
   * @throws IllegalArgumentException naming the flag, on an unknown flag or a bad value
   */
  static ControllerFlags parse(String[] args, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    Set<String> namespaces = new LinkedHashSet<>();
    DEFAULTS.keySet().forEach(flag -> {
      String fromEnv = env.get(ENV_PREFIX + flag.toUpperCase(Locale.ROOT).replace('-', '_'));
      if (fromEnv != null) {
        values.put(flag, fromEnv);
      }
    });
    addNamespaces(namespaces, values.get("namespace"));
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-")) {
        throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
      }
      String flag = arg.replaceFirst("^--?", "");
      String value = null;
      int eq = flag.indexOf('=');
      if (eq >= 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (flag.equals("namespaces")) {
        flag = "namespace";
      }
      if (!DEFAULTS.containsKey(flag)) {
        throw new IllegalArgumentException("unknown flag --" + flag);
      }
      if (value == null) {
        if (isBoolean(flag)) {
          value = "true";
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new IllegalArgumentException("flag needs an argument: --" + flag);
        }
      }
      if (flag.equals("namespace")) {
        addNamespaces(namespaces, value);
      } else {
        values.put(flag, value);
      }
    }
    return from(values, namespaces);
  }

  private static ControllerFlags from(Map<String, String> v, Set<String> namespaces) {
    List<String> warnings = new ArrayList<>();
    boolean extensions = bool(v, "extensions");
    int sandboxWorkers = positive(v, "sandbox-concurrent-workers");
    int claimWorkers = positive(v, "sandbox-claim-concurrent-workers");
    int poolWorkers = positive(v, "sandbox-warm-pool-concurrent-workers");
    int templateWorkers = Math.max(1, integer(v, "sandbox-template-concurrent-workers"));
    int burst = positive(v, "kube-api-burst");
    double qps;
    try {
      qps = Double.parseDouble(v.get("kube-api-qps"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--kube-api-qps must be a number, got \"" + v.get("kube-api-qps") + "\"", e);
    }
    if (bool(v, "enable-tracing")) {
      warnings.add("--enable-tracing is not supported yet: no traces are exported and no trace-context "
          + "annotations are written");
    }
    for (String pprof : List.of("enable-pprof", "enable-pprof-debug")) {
      if (bool(v, pprof)) {
        warnings.add("--" + pprof + " is a Go profiler and has no effect here; use JDK Flight Recorder instead");
      }
    }
    integer(v, "pprof-block-profile-rate");
    integer(v, "pprof-mutex-profile-fraction");
    String domain = v.get("cluster-domain");
    if (domain.isBlank()) {
      throw new IllegalArgumentException("--cluster-domain must not be empty");
    }
    ControllerOptions.Builder options = ControllerOptions.builder()
        .clusterDomain(domain)
        .namespaces(namespaces)
        .extensions(extensions)
        .workers(sandboxWorkers + (extensions ? claimWorkers + poolWorkers + templateWorkers : 0))
        .terminationTimeout(Duration.ofSeconds(20));
    if (bool(v, "leader-elect")) {
      options.leaderElection(LeaderElection.defaults().withNamespace(v.get("leader-election-namespace")));
    }
    return new ControllerFlags(options.build(),
        EndpointServer.parseBindAddress("--metrics-bind-address", v.get("metrics-bind-address")),
        EndpointServer.parseBindAddress("--health-probe-bind-address", v.get("health-probe-bind-address")),
        qps, burst, List.copyOf(warnings));
  }

  private static boolean isBoolean(String flag) {
    String d = DEFAULTS.get(flag);
    return d.equals("true") || d.equals("false");
  }

  private static boolean bool(Map<String, String> v, String flag) {
    String value = v.get(flag).toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true", "1", "t" -> true;
      case "false", "0", "f" -> false;
      default -> throw new IllegalArgumentException("--" + flag + " must be true or false, got \"" + v.get(flag) + "\"");
    };
  }

  private static int integer(Map<String, String> v, String flag) {
    try {
      return Integer.parseInt(v.get(flag).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + flag + " must be an integer, got \"" + v.get(flag) + "\"", e);
    }
  }

  private static int positive(Map<String, String> v, String flag) {
    int n = integer(v, flag);
    if (n <= 0) {
      throw new IllegalArgumentException("--" + flag + " must be greater than 0, got " + n);
    }
    return n;
  }

  private static void addNamespaces(Set<String> namespaces, String value) {
    Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .forEach(namespaces::add);
  }
}
