package dev.agentsandbox.mcp.internal;

import dev.agentsandbox.client.ConnectionMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The server's settings, from command-line flags, else environment variables, else defaults.
 * The variables of the reference's server ({@code K8S_SANDBOX_CONNECTION__TYPE} and the other
 * {@code K8S_SANDBOX_CONNECTION__*}, {@code K8S_SANDBOX_SESSION_ID_LABEL_KEY}) mean the same
 * here.
 */
public final class ServerSettings {
  /** Every flag, its variable (null for none) and what it sets, for {@code --help}. */
  private static final List<Option> OPTIONS = List.of(
      new Option("--transport", "K8S_SANDBOX_MCP_TRANSPORT", "stdio | http (default stdio)"),
      new Option("--host", "K8S_SANDBOX_MCP_HOST", "HTTP address to listen on (default 127.0.0.1)"),
      new Option("--port", "K8S_SANDBOX_MCP_PORT", "HTTP port (default 8000; 0 for a free one)"),
      new Option("--http-token-file", "K8S_SANDBOX_MCP_TOKEN_FILE",
          "file holding the bearer token HTTP clients must send (default: none)"),
      new Option("--allow-origin", "K8S_SANDBOX_MCP_ALLOWED_ORIGINS",
          "browser origins allowed besides loopback ones (comma-separated)"),
      new Option("--kubeconfig", null, "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, "
          + "or the pod's service account)"),
      new Option("--context", "K8S_SANDBOX_KUBE_CONTEXT", "kubeconfig context (default: current)"),
      new Option("--namespace", "K8S_SANDBOX_NAMESPACE",
          "namespace for calls that name none (default: the context's, else default)"),
      new Option("--connection", "K8S_SANDBOX_CONNECTION__TYPE",
          "tunnel | gateway | direct | in-cluster (default tunnel)"),
      new Option("--router-namespace", "K8S_SANDBOX_CONNECTION__ROUTER_NAMESPACE",
          "tunnel: namespace of the sandbox router (default: the sandbox's, then "
              + ConnectionMode.FALLBACK_ROUTER_NAMESPACE + ")"),
      new Option("--gateway-name", "K8S_SANDBOX_CONNECTION__GATEWAY_NAME", "gateway: its name"),
      new Option("--gateway-namespace", "K8S_SANDBOX_CONNECTION__GATEWAY_NAMESPACE",
          "gateway: its namespace (default default)"),
      new Option("--api-url", "K8S_SANDBOX_CONNECTION__API_URL", "direct: the router's URL"),
      new Option("--server-port", "K8S_SANDBOX_CONNECTION__SERVER_PORT",
          "the sandbox runtime's port (default 8888)"),
      new Option("--router-token-file", "K8S_SANDBOX_ROUTER_TOKEN_FILE",
          "file holding the router's bearer token (or set K8S_SANDBOX_ROUTER_TOKEN)"),
      new Option("--session-label-key", "K8S_SANDBOX_SESSION_ID_LABEL_KEY",
          "claim label naming the MCP session (default " + SandboxTools.DEFAULT_SESSION_LABEL_KEY
              + ")"),
      new Option("--pod-exec", "K8S_SANDBOX_POD_EXEC",
          "true: stream output of the legacy runtime through pods/exec (needs that RBAC)"),
      new Option("--embedded", "K8S_SANDBOX_EMBEDDED",
          "true: start an embedded cluster in this process, with the tutorial's template and "
              + "warm pool (for trying it out; no kubeconfig needed)"));

  private final Map<String, String> values;

  private ServerSettings(Map<String, String> values) {
    this.values = values;
  }

  /**
   * Reads flags ({@code --name value} or {@code --name=value}) over the environment.
   *
   * @return the settings, or null if {@code --help} was asked for
   * @throws IllegalArgumentException for an unknown flag, a flag without a value or a bad value
   */
  public static @Nullable ServerSettings parse(String[] args, Function<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Option option : OPTIONS) {
      if (option.variable != null && env.apply(option.variable) != null) {
        values.put(option.flag, env.apply(option.variable));
      }
    }
    String routerToken = env.apply("K8S_SANDBOX_ROUTER_TOKEN");
    if (routerToken == null) {
      routerToken = env.apply("SANDBOX_ROUTER_TOKEN");
    }
    String httpToken = env.apply("K8S_SANDBOX_MCP_TOKEN");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        return null;
      }
      String flag = arg;
      String value;
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 0) {
        flag = arg.substring(0, equals);
        value = arg.substring(equals + 1);
      } else if (arg.equals("--embedded") || arg.equals("--pod-exec")) {
        value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("Missing value for " + arg + " (try --help)");
      }
      String known = flag;
      if (OPTIONS.stream().noneMatch(o -> o.flag.equals(known))) {
        throw new IllegalArgumentException("Unknown option " + flag + " (try --help)");
      }
      values.put(flag, value);
    }
    ServerSettings settings = new ServerSettings(values);
    settings.routerToken = settings.fileOr("--router-token-file", routerToken);
    settings.httpToken = settings.fileOr("--http-token-file", httpToken);
    settings.validate();
    return settings;
  }

  /** The usage text. */
  public static String usage() {
    StringBuilder out = new StringBuilder("usage: sandbox-mcp-server [options]\n\noptions "
        + "(each also read from the environment variable named after it):\n");
    for (Option option : OPTIONS) {
      out.append(String.format(Locale.ROOT, "  %-22s %s%n", option.flag, option.help));
      if (option.variable != null) {
        out.append(String.format(Locale.ROOT, "  %-22s   env %s%n", "", option.variable));
      }
    }
    return out.toString();
  }

  private @Nullable String routerToken;
  private @Nullable String httpToken;

  public boolean http() {
    return get("--transport", "stdio").equalsIgnoreCase("http");
  }

  public String host() {
    return get("--host", "127.0.0.1");
  }

  public int port() {
    return integer("--port", 8000, 0, 65535);
  }

  public @Nullable String httpToken() {
    return httpToken;
  }

  public List<String> allowedOrigins() {
    List<String> origins = new ArrayList<>();
    for (String origin : get("--allow-origin", "").split(",")) {
      if (!origin.isBlank()) {
        origins.add(origin.trim());
      }
    }
    return origins;
  }

  public @Nullable String kubeconfig() {
    return values.get("--kubeconfig");
  }

  public @Nullable String context() {
    return values.get("--context");
  }

  public @Nullable String namespace() {
    return values.get("--namespace");
  }

  public boolean embedded() {
    return bool("--embedded");
  }

  public boolean podExec() {
    return bool("--pod-exec");
  }

  public String sessionLabelKey() {
    return get("--session-label-key", SandboxTools.DEFAULT_SESSION_LABEL_KEY);
  }

  public int serverPort() {
    return integer("--server-port", 8888, 1, 65535);
  }

  /** The connection mode named by the settings, with the router token if one was given. */
  public ConnectionMode connection() {
    String type = get("--connection", "tunnel").toLowerCase(Locale.ROOT);
    switch (type) {
      case "tunnel": {
        String routerNamespace = values.get("--router-namespace");
        ConnectionMode.Tunnel tunnel = routerNamespace == null ? ConnectionMode.tunnel()
            : ConnectionMode.tunnel(routerNamespace);
        return routerToken == null ? tunnel : tunnel.withAuthToken(routerToken);
      }
      case "gateway": {
        String name = values.get("--gateway-name");
        if (name == null) {
          throw new IllegalArgumentException("--connection gateway needs --gateway-name "
              + "(K8S_SANDBOX_CONNECTION__GATEWAY_NAME)");
        }
        ConnectionMode.Gateway gateway = ConnectionMode.gateway(name,
            get("--gateway-namespace", "default"));
        return routerToken == null ? gateway : gateway.withAuthToken(routerToken);
      }
      case "direct": {
        String url = values.get("--api-url");
        if (url == null) {
          throw new IllegalArgumentException("--connection direct needs --api-url "
              + "(K8S_SANDBOX_CONNECTION__API_URL)");
        }
        ConnectionMode.Direct direct = ConnectionMode.direct(url);
        return routerToken == null ? direct : direct.withAuthToken(routerToken);
      }
      case "in-cluster":
        return ConnectionMode.inCluster();
      default:
        throw new IllegalArgumentException("--connection must be tunnel, gateway, direct or "
            + "in-cluster, got '" + type + "'");
    }
  }

  private void validate() {
    String transport = get("--transport", "stdio");
    if (!transport.equalsIgnoreCase("stdio") && !transport.equalsIgnoreCase("http")) {
      throw new IllegalArgumentException("--transport must be stdio or http, got '" + transport + "'");
    }
    port();
    serverPort();
    bool("--embedded");
    bool("--pod-exec");
    if (embedded() && (kubeconfig() != null || context() != null)) {
      throw new IllegalArgumentException("--embedded starts its own cluster: drop --kubeconfig and "
          + "--context, or --embedded");
    }
    connection();
  }

  private String get(String flag, String fallback) {
    String value = values.get(flag);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private boolean bool(String flag) {
    String value = get(flag, "false").toLowerCase(Locale.ROOT);
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException(flag + " must be true or false, got '" + value + "'");
    }
    return value.equals("true");
  }

  private int integer(String flag, int fallback, int min, int max) {
    String value = get(flag, Integer.toString(fallback));
    try {
      int number = Integer.parseInt(value);
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException(flag + " must be a number from " + min + " to " + max
        + ", got '" + value + "'");
  }

  private @Nullable String fileOr(String flag, @Nullable String fallback) {
    String file = values.get(flag);
    if (file == null) {
      return fallback == null || fallback.isBlank() ? null : fallback.trim();
    }
    try {
      String token = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
      if (token.isEmpty()) {
        throw new IllegalArgumentException(flag + ": " + file + " is empty");
      }
      return token;
    } catch (IOException e) {
      throw new IllegalArgumentException(flag + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private record Option(String flag, @Nullable String variable, String help) {
  }
}
