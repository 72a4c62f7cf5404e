package dev.agentsandbox.model.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Validation of Kubernetes names, label keys and label values, as the API server does it.
 */
public final class KubernetesNames {
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
  private static final int LABEL_MAX = 63;
  private static final int SUBDOMAIN_MAX = 253;
  /** The API server's limit on the total size of an object's annotations. */
  private static final int ANNOTATIONS_MAX_BYTES = 256 * 1024;
  /**
   * Key prefixes the reference controller refuses in a claim's additionalPodMetadata, as
   * themselves or as a parent domain.
   */
  private static final List<String> RESTRICTED_DOMAINS =
      List.of("kubernetes.io", "k8s.io", "agents.x-k8s.io");

  private KubernetesNames() {
  }

  /**
   * Checks a DNS-1123 label (namespaces, sandbox names).
   *
   * @throws IllegalArgumentException naming {@code what} if invalid
   */
  public static void requireLabel(String what, @Nullable String value) {
    if (!isLabel(value)) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a valid DNS-1123 label "
          + "(at most 63 lowercase letters, digits or '-', starting and ending alphanumeric)");
    }
  }

  /** Whether {@code value} is a DNS-1123 label. */
  public static boolean isLabel(@Nullable String value) {
    return value != null && value.length() <= LABEL_MAX && DNS1123_LABEL.matcher(value).matches();
  }

  /**
   * Checks a DNS-1123 subdomain (most resource names).
   *
   * @throws IllegalArgumentException naming {@code what} if invalid
   */
  public static void requireSubdomain(String what, @Nullable String value) {
    if (value == null || value.length() > SUBDOMAIN_MAX
        || !DNS1123_SUBDOMAIN.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a valid DNS-1123 subdomain "
          + "(at most 253 lowercase letters, digits, '-' or '.', starting and ending alphanumeric)");
    }
  }

  /**
   * Checks every key and value of a label map.
   *
   * @throws IllegalArgumentException on the first invalid key or value
   */
  public static void requireLabels(Map<String, String> labels) {
    labels.forEach((key, value) -> {
      requireLabelKey(key);
      requireLabelValue(key, value);
    });
  }

  /**
   * Checks every key and value of an annotation map: keys like label keys, values of any
   * text, at most 256 KiB in total.
   *
   * @throws IllegalArgumentException on the first invalid key or a null value
   */
  public static void requireAnnotations(Map<String, String> annotations) {
    long bytes = 0;
    for (Map.Entry<String, String> e : annotations.entrySet()) {
      requireKey("annotation", e.getKey());
      if (e.getValue() == null) {
        throw new IllegalArgumentException("annotation '" + e.getKey() + "' has a null value");
      }
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length
          + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (bytes > ANNOTATIONS_MAX_BYTES) {
      throw new IllegalArgumentException("annotations total " + bytes + " bytes, more than the "
          + "API server's limit of " + ANNOTATIONS_MAX_BYTES);
    }
  }

  /**
   * Whether a label or annotation key lies in a domain reserved for Kubernetes or agent-sandbox
   * ({@code kubernetes.io}, {@code k8s.io}, {@code agents.x-k8s.io} or a subdomain of one), which
   * a claim may not put on its pod.
   */
  public static boolean isRestrictedDomain(String key) {
    int slash = key.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String prefix = key.substring(0, slash).toLowerCase(Locale.ROOT);
    for (String domain : RESTRICTED_DOMAINS) {
      if (prefix.equals(domain) || prefix.endsWith("." + domain)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks an environment variable name: letters, digits, {@code _}, {@code -} and {@code .},
   * not starting with a digit.
   *
   * @throws IllegalArgumentException if invalid
   */
  public static void requireEnvVarName(@Nullable String name) {
    if (name == null || !ENV_VAR_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("environment variable name '" + name + "' is invalid: "
          + "use letters, digits, '_', '-' or '.', not starting with a digit");
    }
  }

  private static void requireLabelKey(String key) {
    requireKey("label", key);
  }

  private static void requireKey(String kind, String key) {
    if (key == null) {
      throw new IllegalArgumentException(kind + " key must not be null");
    }
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > SUBDOMAIN_MAX
          || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        throw new IllegalArgumentException(kind + " key '" + key + "' has an invalid prefix: it must "
            + "be a DNS-1123 subdomain followed by '/'");
      }
    }
    if (name.isEmpty() || name.length() > LABEL_MAX || !QUALIFIED_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(kind + " key '" + key + "' is invalid: the name part must "
          + "be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending "
          + "alphanumeric");
    }
  }

  private static void requireLabelValue(String key, String value) {
    if (value == null) {
      throw new IllegalArgumentException("label '" + key + "' has a null value");
    }
    if (!value.isEmpty()
        && (value.length() > LABEL_MAX || !QUALIFIED_NAME.matcher(value).matches())) {
      throw new IllegalArgumentException("label '" + key + "' has invalid value '" + value
          + "': at most 63 characters of letters, digits, '-', '_' or '.', starting and ending "
          + "alphanumeric (or empty)");
    }
  }
}
