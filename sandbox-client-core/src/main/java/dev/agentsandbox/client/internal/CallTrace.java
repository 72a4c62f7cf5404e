package dev.agentsandbox.client.internal;

import java.net.InetSocketAddress;
import java.net.Proxy;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;

/**
 * Records how far one call of an {@link HttpTransport} got: whether it wrote its request, and
 * what the route knows of the connection it used. The transport attaches one to every call it
 * makes and feeds it OkHttp's events; callers only read it.
 */
final class CallTrace extends EventListener {
  private final SandboxEndpoint.DeliveryWitness witness;
  private volatile boolean connecting;
  private volatile long connectStartNanos;
  private volatile boolean requestSent;
  private volatile Object checkpoint;

  /** @param witness what the route knows about delivery, or null */
  CallTrace(SandboxEndpoint.DeliveryWitness witness) {
    this.witness = witness;
  }

  /** The trace of a call, for OkHttp's event listener factory; calls without one get none. */
  static EventListener of(Call call) {
    CallTrace trace = call.request().tag(CallTrace.class);
    return trace == null ? EventListener.NONE : trace;
  }

  @Override
  public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
    if (!connecting) {
      connectStartNanos = System.nanoTime();
      connecting = true;
    }
  }

  @Override
  public void connectionAcquired(Call call, Connection connection) {
    if (witness != null) {
      checkpoint = witness.checkpoint(connection.socket(), connecting, connectStartNanos);
    }
  }

  @Override
  public void requestHeadersStart(Call call) {
    requestSent = true;
  }

  /** What the route saw of the call's connection, as " <sentence>.", or "". */
  String routeAccount() {
    Object point = checkpoint;
    String account = witness != null && point != null ? witness.describe(point) : null;
    return account == null ? "" : " " + account + ".";
  }

  /** Whether nothing of the request can have reached the other end. */
  boolean neverDelivered() {
    if (!requestSent) {
      return true;
    }
    Object point = checkpoint;
    return witness != null && point != null && witness.neverDelivered(point);
  }
}
