package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxInterruptedException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the requests of one sandbox through an {@link HttpTransport} to its
 * {@link SandboxEndpoint}, applying a {@link RetryPolicy}: an {@link RuntimeOperation#idempotent
 * idempotent} call is sent again on 502, 503 and 504 and on network failures other than a read
 * timeout; any call is sent again when it provably never left this process (no request bytes
 * were written, or the route can tell that what was written went nowhere) or when the answer
 * says it was not forwarded. What the requests and answers look like is the
 * {@link Exchange}'s business. Thread-safe.
 */
final class RetryingCall implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RetryingCall.class);

  /** One request and how to read its answer; built again for every attempt. */
  interface Exchange<T> {
    /** The request to {@code baseUrl}, the endpoint's address for this attempt. */
    Request.Builder request(HttpUrl baseUrl);

    /** Whether the answer says the request never reached the sandbox, so it may be re-sent. */
    boolean notForwarded(Response response) throws IOException;

    /**
     * Reads the final answer, of any status; throws the exception for an unsuccessful one.
     *
     * @throws IOException if reading the answer fails before anything was delivered
     */
    T read(Response response) throws IOException;
  }

  private final HttpTransport transport;
  private final SandboxEndpoint endpoint;
  private final RetryPolicy retry;
  private final SandboxRef ref;
  private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** @param ref the sandbox called, for messages */
  RetryingCall(HttpTransport transport, SandboxEndpoint endpoint, RetryPolicy retry,
      SandboxRef ref) {
    this.transport = transport;
    this.endpoint = endpoint;
    this.retry = retry;
    this.ref = ref;
  }

  /**
   * Sends {@code exchange}'s request, and again while the policy allows and the failure makes
   * that safe. Blocks until an answer was read or the attempts are used up.
   *
   * @param path the sandbox path the call is about, for messages; may be null
   * @param readTimeout longest silence while waiting, or null for the transport's default
   * @param callTimeout deadline of each attempt as a whole, or null for none
   * @throws SandboxConnectionException if no attempt got an answer
   * @throws SandboxInterruptedException if the thread was interrupted
   * @throws IllegalStateException if this was closed
   */
  <T> T send(RuntimeOperation op, String path, Duration readTimeout, Duration callTimeout,
      Exchange<T> exchange) {
    for (int attempt = 1; ; attempt++) {
      ensureOpen();
      SandboxEndpoint.Target target = endpoint.target();
      Request.Builder builder = exchange.request(target.baseUrl());
      HttpTransport.TracedCall traced = transport.newCall(builder, target.witness(), readTimeout,
          callTimeout);
      Call call = traced.call();
      Request request = call.request();
      boolean last = attempt >= retry.maxAttempts();
      inFlight.add(call);
      try (InterruptWatchdog.Watch watch = InterruptWatchdog.SHARED.watch(call);
          Response response = start(call)) {
        int code = response.code();
        LOG.debug("{} {} -> {} (attempt {})", request.method(), request.url().encodedPath(), code,
            attempt);
        if (op.needsSuccess && !last && ((op.idempotent && (code == 502 || code == 503
            || code == 504)) || exchange.notForwarded(response))) {
          pause(attempt);
          continue;
        }
        return exchange.read(response);
      } catch (IOException e) {
        if (closed) {
          throw new SandboxConnectionException("The sandbox of SandboxClaim '" + ref.claimName()
              + "' was closed while " + op.description + " was in flight", ref.claimName(),
              ref.namespace(), e);
        }
        boolean neverSent = traced.trace().neverDelivered();
        if (Thread.currentThread().isInterrupted()) {
          throw interrupted(op, path, neverSent, e);
        }
        boolean timedOut = e instanceof SocketTimeoutException || e instanceof InterruptedIOException;
        if (neverSent || !timedOut) {
          endpoint.connectionFailed(target, e);
        }
        boolean retryable = neverSent || (op.idempotent && !timedOut);
        LOG.debug("{} {} failed (attempt {}, request {}delivered): {}", request.method(),
            request.url().encodedPath(), attempt, neverSent ? "not " : "maybe ", e.toString());
        if (retryable && !last) {
          pause(attempt);
          continue;
        }
        throw new SandboxConnectionException("Cannot reach the sandbox of SandboxClaim '"
            + ref.claimName() + "' (namespace '" + ref.namespace() + "') for " + op.description
            + ": " + e + "."
            + (neverSent || op.idempotent ? "" : " The request may have reached the sandbox, so it "
                + "was not sent again.")
            + traced.trace().routeAccount() + " " + endpoint.hint(), ref.claimName(),
            ref.namespace(), e);
      } finally {
        inFlight.remove(call);
      }
    }
  }

  /**
   * Cancels the calls in flight; later calls throw {@link IllegalStateException}. The shared
   * transport stays open. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    for (Call call : inFlight) {
      call.cancel();
    }
  }

  private Response start(Call call) throws IOException {
    if (closed) {
      // close() may have run between ensureOpen() and registering the call.
      call.cancel();
    }
    return call.execute();
  }

  private void pause(int attempt) {
    Duration delay = Backoff.delay(retry, attempt, ThreadLocalRandom.current());
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxInterruptedException("Interrupted while waiting to retry a request to the "
          + "sandbox of SandboxClaim '" + ref.claimName() + "' (namespace '" + ref.namespace()
          + "'); it was not sent again", ref.claimName(), ref.namespace(), e);
    }
  }

  /** The call of an interrupted thread was cancelled (by {@link InterruptWatchdog}). */
  private SandboxInterruptedException interrupted(RuntimeOperation op, String path,
      boolean neverSent, IOException cause) {
    return new SandboxInterruptedException("Interrupted while " + op.description
        + (path == null ? "" : " '" + path + "'") + " in the sandbox of SandboxClaim '"
        + ref.claimName() + "' (namespace '" + ref.namespace() + "'); the request was cancelled"
        + (neverSent ? " before it was sent"
            : op.idempotent ? "" : ". It may have reached the sandbox: "
                + (op == RuntimeOperation.EXECUTE ? "the command may have started and may still "
                    + "be running there" : "the file may have been written")),
        ref.claimName(), ref.namespace(), cause);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("The sandbox of SandboxClaim '" + ref.claimName()
          + "' in namespace '" + ref.namespace() + "' is closed: create a new one");
    }
  }
}
