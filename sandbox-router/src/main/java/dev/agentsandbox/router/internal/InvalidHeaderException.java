package dev.agentsandbox.router.internal;

/** A routing header is missing or has an invalid value; the message is sent to the client. */
public final class InvalidHeaderException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidHeaderException(String message) {
    // The stack trace is never needed: this is a 400 reply, not a failure.
    super(message, null, false, false);
  }
}
