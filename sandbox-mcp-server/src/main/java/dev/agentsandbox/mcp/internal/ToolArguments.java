package dev.agentsandbox.mcp.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The arguments of one tool call, read with the types and bounds the tool declares. A missing
 * required argument, a wrong type or a value out of range is a {@link ToolFailure} naming the
 * argument, raised before anything is sent to the cluster.
 */
public final class ToolArguments {
  private final Map<String, Object> values;

  public ToolArguments(Map<String, Object> values) {
    this.values = values == null ? Map.of() : values;
  }

  /** A required, non-blank string. */
  public String requiredString(String name) {
    return optionalString(name).filter(s -> !s.isBlank())
        .orElseThrow(() -> new ToolFailure("Argument '" + name + "' is required and must be a "
            + "non-empty string."));
  }

  /** A string, absent when missing or null. */
  public Optional<String> optionalString(String name) {
    Object value = values.get(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new ToolFailure("Argument '" + name + "' must be a string.");
    }
    return Optional.of(text);
  }

  /** A boolean, {@code fallback} when missing or null. */
  public boolean bool(String name, boolean fallback) {
    Object value = values.get(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean flag)) {
      throw new ToolFailure("Argument '" + name + "' must be a boolean.");
    }
    return flag;
  }

  /**
   * An integer in {@code [min, max]}, {@code fallback} when missing. A JSON null is absent
   * too, unless {@code nullable}: then it is returned as an empty value.
   */
  public Optional<Long> integer(String name, Long fallback, long min, long max, boolean nullable) {
    if (!values.containsKey(name)) {
      return Optional.ofNullable(fallback);
    }
    Object value = values.get(name);
    if (value == null) {
      return nullable ? Optional.empty() : Optional.ofNullable(fallback);
    }
    long number;
    if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte) {
      number = ((Number) value).longValue();
    } else if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) < 1e15) {
      number = (long) n.doubleValue();
    } else {
      throw new ToolFailure("Argument '" + name + "' must be an integer.");
    }
    if (number < min || number > max) {
      throw new ToolFailure("Argument '" + name + "' must be between " + min + " and " + max
          + ", got " + number + ".");
    }
    return Optional.of(number);
  }

  /** A map of strings to strings, empty when missing or null. */
  public Map<String, String> stringMap(String name) {
    Object value = values.get(name);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new ToolFailure("Argument '" + name + "' must be an object of strings.");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!(entry.getKey() instanceof String key) || !(entry.getValue() instanceof String text)) {
        throw new ToolFailure("Argument '" + name + "' must map strings to strings.");
      }
      copy.put(key, text);
    }
    return copy;
  }
}
