package dev.agentsandbox.client.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the client reports its operations: spans, timers, or nothing. Implementations that use
 * OpenTelemetry or Micrometer are only loaded when the user passes those libraries' objects, so
 * the client works without their jars.
 */
public interface Telemetry {
  /** Attribute: the claim's name. */
  String CLAIM = "sandbox.claim";
  /** Attribute: the namespace. */
  String NAMESPACE = "sandbox.namespace";
  /** Attribute: the sandbox's name. */
  String SANDBOX = "sandbox.name";
  /** Attribute: the template's name. */
  String TEMPLATE = "sandbox.template";
  /** Attribute: the claim API version. */
  String API_VERSION = "sandbox.api_version";
  /** Attribute: a command's exit code. */
  String EXIT_CODE = "sandbox.exit_code";

  /** Reports nothing. */
  Telemetry NONE = (operation, attributes) -> Observation.NONE;

  /**
   * Starts observing an operation on the calling thread; close the result on the same thread.
   *
   * @param operation a low-cardinality name such as {@code sandbox.run}
   * @param attributes identifying attributes (names, never content)
   */
  Observation start(String operation, Map<String, String> attributes);

  /** Runs {@code body} as an observed operation; a failure marks it failed and is rethrown. */
  default <R> R observe(String operation, Map<String, String> attributes, Body<R> body)
      throws InterruptedException {
    try (Observation observation = start(operation, attributes)) {
      try {
        return body.run(observation);
      } catch (InterruptedException | RuntimeException | Error e) {
        observation.failed(e);
        throw e;
      }
    }
  }

  /** Like {@link #observe}, for operations that cannot be interrupted. */
  default <R> R call(String operation, Map<String, String> attributes,
      java.util.function.Function<Observation, R> body) {
    try (Observation observation = start(operation, attributes)) {
      try {
        return body.apply(observation);
      } catch (RuntimeException | Error e) {
        observation.failed(e);
        throw e;
      }
    }
  }

  /** An observed operation's work. */
  @FunctionalInterface
  interface Body<R> {
    R run(Observation observation) throws InterruptedException;
  }

  /** Reports to each of {@code parts}. */
  static Telemetry of(List<Telemetry> parts) {
    List<Telemetry> active = parts.stream().filter(t -> t != NONE).toList();
    if (active.isEmpty()) {
      return NONE;
    }
    if (active.size() == 1) {
      return active.get(0);
    }
    return (operation, attributes) -> {
      List<Observation> started = active.stream().map(t -> t.start(operation, attributes)).toList();
      return new Observation() {
        @Override
        public void attribute(String key, String value) {
          started.forEach(o -> o.attribute(key, value));
        }

        @Override
        public void failed(Throwable error) {
          started.forEach(o -> o.failed(error));
        }

        @Override
        public Optional<String> traceContext() {
          return started.stream().map(Observation::traceContext).flatMap(Optional::stream)
              .findFirst();
        }

        @Override
        public void close() {
          // Reverse order: a scope opened last is closed first.
          for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
          }
        }
      };
    };
  }

  /** One observed operation. */
  interface Observation extends AutoCloseable {
    /** Observes nothing. */
    Observation NONE = new Observation() {
    };

    /** Adds an attribute learnt during the operation. */
    default void attribute(String key, String value) {
    }

    /** Marks the operation failed. */
    default void failed(Throwable error) {
    }

    /** The W3C trace context of this operation as the claim annotation's JSON, if traced. */
    default Optional<String> traceContext() {
      return Optional.empty();
    }

    /** Ends the operation. */
    @Override
    default void close() {
    }
  }
}
