package dev.agentsandbox.model;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validation of Kubernetes names, label keys and label values, as the API server does it.
 *
 * @since 0.1.0
 */
public final class KubernetesNames {
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final int LABEL_MAX = 63;
  private static final int SUBDOMAIN_MAX = 253;

  private KubernetesNames() {
  }

  /**
   * Checks a DNS-1123 label (namespaces, sandbox names).
   *
   * @throws IllegalArgumentException naming {@code what} if invalid
   */
  public static void requireLabel(String what, String value) {
    if (!isLabel(value)) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a valid DNS-1123 label "
          + "(at most 63 lowercase letters, digits or '-', starting and ending alphanumeric)");
    }
  }

  /** Whether {@code value} is a DNS-1123 label. */
  public static boolean isLabel(String value) {
    return value != null && value.length() <= LABEL_MAX && DNS1123_LABEL.matcher(value).matches();
  }

  /**
   * Checks a DNS-1123 subdomain (most resource names).
   *
   * @throws IllegalArgumentException naming {@code what} if invalid
   */
  public static void requireSubdomain(String what, String value) {
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

  private static void requireLabelKey(String key) {
    if (key == null) {
      throw new IllegalArgumentException("label key must not be null");
    }
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > SUBDOMAIN_MAX
          || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        throw new IllegalArgumentException("label key '" + key + "' has an invalid prefix: it must "
            + "be a DNS-1123 subdomain followed by '/'");
      }
    }
    if (name.isEmpty() || name.length() > LABEL_MAX || !QUALIFIED_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("label key '" + key + "' is invalid: the name part must "
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
