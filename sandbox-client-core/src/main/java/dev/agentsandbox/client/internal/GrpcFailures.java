package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxInterruptedException;
import dev.agentsandbox.client.SandboxRequestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns gRPC failures of sandboxd calls into the client's exceptions: a connection that failed
 * or timed out is a {@link SandboxConnectionException}; a status the sandbox answered with is a
 * {@link SandboxRequestException} carrying the HTTP status closest to it (404 for
 * {@code NOT_FOUND}, 403 for {@code PERMISSION_DENIED} and so on) and the gRPC status in its
 * message.
 */
final class GrpcFailures {
  private GrpcFailures() {
  }

  /** The exception for {@code failure} of {@code what} (e.g. "Start of 'python3'"). */
  static SandboxException of(Throwable failure, String what, SandboxRef ref) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof SandboxException known) {
      return known;
    }
    if (cause instanceof InterruptedException || cause instanceof CancellationException) {
      return new SandboxInterruptedException(what + " in sandbox '" + ref.sandboxName()
          + "' was interrupted", ref.claimName(), ref.namespace(), cause);
    }
    Status status = Status.fromThrowable(cause);
    String detail = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN -> {
        return new SandboxConnectionException(what + " in sandbox '" + ref.sandboxName()
            + "' failed: " + detail + " (is the sandbox's sandboxd reachable?)", ref.claimName(),
            ref.namespace(), cause);
      }
      default -> {
        return new SandboxRequestException(httpStatus(status.getCode()), status.getDescription(),
            what + " in sandbox '" + ref.sandboxName() + "' failed: " + detail, ref.claimName(),
            ref.namespace());
      }
    }
  }

  /** Whether {@code failure} says the connection failed, rather than the sandbox refused. */
  static boolean connectionFailed(Throwable failure) {
    return failure instanceof StatusRuntimeException e
        && e.getStatus().getCode() == Status.Code.UNAVAILABLE;
  }

  private static int httpStatus(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case FAILED_PRECONDITION -> 412;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      default -> 500;
    };
  }
}
