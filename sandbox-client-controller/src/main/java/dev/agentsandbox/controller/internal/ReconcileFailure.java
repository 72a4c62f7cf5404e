package dev.agentsandbox.controller.internal;

/**
 * A reconcile step failed in a way that belongs in a condition message. The message is the
 * user-facing error text; the reconcile is retried with backoff unless {@link #retryable()} is
 * false.
 */
final class ReconcileFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String reason;
  private final boolean retryable;

  ReconcileFailure(String message) {
    this(message, null, true, null);
  }

  ReconcileFailure(String message, Throwable cause) {
    this(message, null, true, cause);
  }

  private ReconcileFailure(String message, String reason, boolean retryable, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.retryable = retryable;
  }

  /** A failure that reports its own condition reason and is not retried until the next change. */
  static ReconcileFailure permanent(String reason, String message) {
    return new ReconcileFailure(message, reason, false, null);
  }

  /** The condition reason to report, or null for the generic one. */
  String reason() {
    return reason;
  }

  boolean retryable() {
    return retryable;
  }
}
